with builtins; [ (add 1 0.5) (sub 1.5 1) (mul 2 0.25) (div 1 4.0) (div 9.0 3) ]
