builtins.foldl' 1 0 [ 1 ]
