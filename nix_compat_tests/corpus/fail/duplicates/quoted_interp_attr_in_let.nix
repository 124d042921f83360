let "${"b"}" = 2; in b
