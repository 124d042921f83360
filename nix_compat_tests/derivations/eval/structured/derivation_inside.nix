# Derivations inside structured attrs become their output paths, and their context makes them inputs.
let
  dep = derivation { name = "dep"; system = "x86_64-linux"; builder = "/bin/sh"; outputs = [ "out" "dev" ]; };
in derivation {
  name = "structured-deps";
  system = "x86_64-linux";
  builder = "/bin/sh";
  __structuredAttrs = true;
  inherit dep;
  nested = { list = [ dep.dev "${dep}/bin" ]; };
}
