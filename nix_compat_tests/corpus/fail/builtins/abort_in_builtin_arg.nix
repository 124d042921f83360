builtins.length (abort "early")
