# Type errors inside the argument of length, head and attrNames keep their positions.
let f = x: builtins.length (x + 1); in builtins.attrNames { a = f "s"; } ++ [ (builtins.head (f 1)) ]
