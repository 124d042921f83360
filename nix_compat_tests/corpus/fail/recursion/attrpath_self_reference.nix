let s = { a.b = s.a.b; }; in s.a.b
