# unsafeDiscardOutputDependency turns allOutputs into a plain path context on the .drv.
let
  dep = derivation { name = "dep"; system = "x86_64-linux"; builder = "/bin/sh"; outputs = [ "out" "dev" ]; };
  discarded = builtins.unsafeDiscardOutputDependency dep.drvPath;
in {
  ctx = builtins.getContext discarded;
  same = discarded == dep.drvPath;
  inherit dep;
}
