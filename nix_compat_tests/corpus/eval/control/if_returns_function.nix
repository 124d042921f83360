(if false then (x: x + 1) else (x: x * 2)) 21
