let a.x = 1; a.y = 2; in a.x + a.y
