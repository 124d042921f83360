builtins.readDir ./missing-dir
