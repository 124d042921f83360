# Two outputs of the same dependency merge into one inputDrvs entry listing both.
let
  dep = derivation { name = "dep"; system = "x86_64-linux"; builder = "/bin/sh"; outputs = [ "out" "dev" "lib" ]; };
in derivation {
  name = "uses-two";
  system = "x86_64-linux";
  builder = "/bin/sh";
  paths = [ dep.lib dep.dev ];
}
