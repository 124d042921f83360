map (i: i + 1) (builtins.genList (x: x) 10)
