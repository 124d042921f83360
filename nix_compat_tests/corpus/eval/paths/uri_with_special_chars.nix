git+ssh://git@github.com:user/repo.git
