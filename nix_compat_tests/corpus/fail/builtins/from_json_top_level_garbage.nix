builtins.fromJSON "nope"
