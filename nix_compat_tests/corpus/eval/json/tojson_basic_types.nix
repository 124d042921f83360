builtins.toJSON { i = 1; s = "str"; b = true; n = null; l = [ 1 2 ]; f = 1.5; }
