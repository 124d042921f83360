let x = { a = 1; }; y = { a = 2; b = 2; }; z = { b = 3; }; in x // y // z
