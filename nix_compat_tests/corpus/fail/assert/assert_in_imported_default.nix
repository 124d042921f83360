let f = { x ? assert false; 1 }: x; in f { }
