map (x: (builtins.tryEval x).success) [ 1 (throw "no") (assert 1 == 1; 2) ]
