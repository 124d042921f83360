builtins.tryEval (builtins.head [ (throw "x") ])
