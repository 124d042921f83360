# `${dep.dev}` depends on the dev output only.
let
  dep = derivation { name = "dep"; system = "x86_64-linux"; builder = "/bin/sh"; outputs = [ "out" "dev" ]; };
in derivation {
  name = "uses-dev";
  system = "x86_64-linux";
  builder = "/bin/sh";
  headers = "${dep.dev}/include";
}
