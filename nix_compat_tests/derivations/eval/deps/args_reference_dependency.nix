# Context in `args` counts as much as context in the environment.
let
  dep = derivation { name = "dep"; system = "x86_64-linux"; builder = "/bin/sh"; };
in derivation {
  name = "args-dep";
  system = "x86_64-linux";
  builder = "/bin/sh";
  args = [ "-c" "${dep}/bin/run" ];
}
