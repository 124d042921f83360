builtins.getAttr "z" { a = 1; }
