[ (builtins.typeOf (builtins.toPath "/a/b")) (builtins.toPath "/a/../b") ]
