let f = x: x * 10; in [ (f 1 + 1) (f (1 + 1)) (- f 2) ]
