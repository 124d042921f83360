with builtins; [ (add 2 3) (sub 2 3) (mul 4 5) (div 7 2) (div (-7) 2) ]
