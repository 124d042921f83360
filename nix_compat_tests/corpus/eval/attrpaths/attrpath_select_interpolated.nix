let k = "b"; s = { a.b = 7; }; in s.a.${k}
