let f = a: b: c: a - b - c; in f 10 3 2
