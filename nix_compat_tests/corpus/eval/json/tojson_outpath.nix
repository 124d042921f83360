builtins.toJSON { outPath = "/x/y"; ignored = 1; }
