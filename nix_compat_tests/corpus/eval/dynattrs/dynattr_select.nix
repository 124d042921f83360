let s = { foo = 1; bar = 2; }; k = "bar"; in s.${k}
