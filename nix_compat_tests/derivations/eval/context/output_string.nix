# getContext of "${dep}": the .drv with the output it needs.
let
  dep = derivation { name = "dep"; system = "x86_64-linux"; builder = "/bin/sh"; outputs = [ "out" "dev" ]; };
in {
  ctx = builtins.getContext "${dep}";
  inherit dep;
}
