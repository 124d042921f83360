[ (builtins.typeOf ./a) (builtins.typeOf ./.) (builtins.typeOf ../a/b) (builtins.isPath ./x) ]
