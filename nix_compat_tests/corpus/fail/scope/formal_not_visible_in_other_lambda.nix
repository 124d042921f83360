let f = { a }: a; g = x: a; in g 1
