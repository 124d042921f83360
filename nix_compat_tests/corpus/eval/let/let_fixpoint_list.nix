let xs = [ 1 (builtins.head xs + 1) ]; in xs
