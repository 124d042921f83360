# getContext of drvPath: allOutputs, the `=` context.
let
  dep = derivation { name = "dep"; system = "x86_64-linux"; builder = "/bin/sh"; outputs = [ "out" "dev" ]; };
in {
  ctx = builtins.getContext dep.drvPath;
  inherit dep;
}
