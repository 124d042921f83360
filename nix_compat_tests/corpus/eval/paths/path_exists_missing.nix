builtins.pathExists ./definitely-not-here-12345
