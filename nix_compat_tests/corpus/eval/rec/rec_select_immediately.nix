rec { x = 3; y = x * x; }.y
