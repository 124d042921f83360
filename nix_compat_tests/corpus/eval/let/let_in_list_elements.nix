[ (let a = 1; in a) (let b = 2; in b) ]
