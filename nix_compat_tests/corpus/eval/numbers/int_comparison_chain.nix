builtins.sort builtins.lessThan [ 3 (-1) 2 0 10 (-20) ]
