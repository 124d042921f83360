with builtins; [ (any (x: x == 1) [ 1 (throw "no") ]) (all (x: x == 2) [ 1 (throw "no") ]) ]
