map builtins.parseDrvName [ "nix-0.12pre12876" "a-b-c-1.0" "hello" "foo-bar" "foo-1bar" "python3.9-requests-2.26.0" ]
