let s = { a.b.c = 1; }; in [ (s ? a.b.c) (s ? a.b.d) (s ? a.x.y) ]
