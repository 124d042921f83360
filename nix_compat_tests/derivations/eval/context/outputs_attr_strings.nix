# The context of each output set's outPath names exactly that output.
let
  dep = derivation { name = "dep"; system = "x86_64-linux"; builder = "/bin/sh"; outputs = [ "out" "dev" ]; };
in {
  outCtx = builtins.getContext dep.out.outPath;
  devCtx = builtins.getContext dep.dev.outPath;
  allCtx = map (d: builtins.getContext d.outPath) dep.all;
  inherit dep;
}
