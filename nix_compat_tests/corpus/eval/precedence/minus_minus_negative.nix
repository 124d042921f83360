let a = 3; b = 4; in [ (a - -b) (-a - -b) (a - - - b) ]
