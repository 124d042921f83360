let x = { a = 1; }; in { a = x; a.b = 1; }
