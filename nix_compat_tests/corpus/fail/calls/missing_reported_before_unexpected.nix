let f = { x }: x; in f { y = 1; }
