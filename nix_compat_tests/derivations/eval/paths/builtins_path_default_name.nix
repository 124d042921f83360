# builtins.path without name is the same store path as plain interpolation.
let
  viaPath = builtins.path { path = ../../fixtures/tree; };
in {
  same = viaPath == "${../../fixtures/tree}";
  user = derivation { name = "path-default"; system = "x86_64-linux"; builder = "/bin/sh"; src = viaPath; };
}
