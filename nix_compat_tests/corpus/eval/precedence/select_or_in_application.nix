let f = x: x; in f { }.a or "d"
