# A derivation as an attribute value is coerced to its outPath.
let
  dep = derivation { name = "dep"; system = "x86_64-linux"; builder = "/bin/sh"; outputs = [ "lib" "out" ]; };
in derivation {
  name = "drv-value";
  system = "x86_64-linux";
  builder = "/bin/sh";
  inherit dep;
  depOut = dep.out;
}
