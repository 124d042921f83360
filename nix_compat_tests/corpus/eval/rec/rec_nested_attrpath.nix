rec { a.b = 1; c = a.b + 1; a.d = c + 1; }
