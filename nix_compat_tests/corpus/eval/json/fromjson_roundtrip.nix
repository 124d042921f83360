let v = { a = [ 1 "two" { three = 3; } ]; b = null; c = true; }; in builtins.fromJSON (builtins.toJSON v) == v
