builtins.bitAnd 1.5 1
