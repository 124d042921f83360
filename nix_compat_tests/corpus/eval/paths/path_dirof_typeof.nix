[ (builtins.typeOf (dirOf ./x)) (builtins.typeOf (dirOf "/a/b")) ]
