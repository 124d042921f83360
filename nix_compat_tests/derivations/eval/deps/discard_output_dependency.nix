# unsafeDiscardOutputDependency turns the `=` context into a plain source: the .drv file itself
# becomes an input source, its outputs are not built.
let
  dep = derivation { name = "dep"; system = "x86_64-linux"; builder = "/bin/sh"; outputs = [ "out" "dev" ]; };
in derivation {
  name = "drv-as-source";
  system = "x86_64-linux";
  builder = "/bin/sh";
  depDrv = builtins.unsafeDiscardOutputDependency dep.drvPath;
}
