# The same derivation reached twice in a list is printed twice by nix-instantiate.
let
  d = derivation { name = "twice"; system = "x86_64-linux"; builder = "/bin/sh"; outputs = [ "out" "dev" ]; };
in [ d d.dev d ]
