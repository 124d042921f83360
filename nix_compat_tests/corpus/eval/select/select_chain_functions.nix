let s = { f = x: { g = y: x + y; }; }; in (s.f 1).g 2
