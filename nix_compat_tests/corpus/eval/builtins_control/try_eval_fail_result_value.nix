let r = builtins.tryEval (throw "x"); in [ r.success r.value ]
