builtins.length (builtins.tail (builtins.tail [ 1 2 3 ]))
