builtins.head (builtins.filter (x: x > 10) [ 1 2 ])
