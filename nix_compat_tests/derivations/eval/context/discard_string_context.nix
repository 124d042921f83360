# unsafeDiscardStringContext leaves no context at all.
let
  dep = derivation { name = "dep"; system = "x86_64-linux"; builder = "/bin/sh"; outputs = [ "out" "dev" ]; };
  s = builtins.unsafeDiscardStringContext "${dep} ${dep.drvPath}";
in {
  ctx = builtins.getContext s;
  hasContext = builtins.hasContext s;
  inherit dep;
}
