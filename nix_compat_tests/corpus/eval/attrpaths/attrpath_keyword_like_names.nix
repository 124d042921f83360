{ if-then = 1; inherit' = 2; a'b = 3; _x = 4; }
