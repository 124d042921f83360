let s = { f = x: x + 1; v = 5; }; in s.f s.v
