# CPU-heavy: a strict fold over a 100,000-element list
builtins.foldl' (acc: x: acc + x * 2) 0 (builtins.genList (i: i) 100000)
