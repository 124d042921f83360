# unsafeDiscardOutputDependency changes only `=` (drvPath) context; output context stays as it is.
let
  dep = derivation { name = "dep"; system = "x86_64-linux"; builder = "/bin/sh"; outputs = [ "out" "dev" ]; };
  s = builtins.unsafeDiscardOutputDependency "${dep.dev} ${dep.drvPath}";
in {
  ctx = builtins.getContext s;
  user = derivation { name = "user"; system = "x86_64-linux"; builder = "/bin/sh"; inherit s; };
}
