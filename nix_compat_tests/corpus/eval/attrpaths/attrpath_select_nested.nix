let s = { a.b.c = "deep"; }; in s.a.b.c
