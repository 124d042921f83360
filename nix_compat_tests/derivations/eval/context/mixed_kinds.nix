# One string can carry all kinds of context: outputs, allOutputs and plain paths.
let
  dep = derivation { name = "dep"; system = "x86_64-linux"; builder = "/bin/sh"; outputs = [ "out" "dev" ]; };
  file = builtins.toFile "ctx-file" "x";
  s = "${dep.dev} ${dep.drvPath} ${file} ${../../fixtures/hello.txt}";
in {
  ctx = builtins.getContext s;
  hasContext = builtins.hasContext s;
  user = derivation { name = "user"; system = "x86_64-linux"; builder = "/bin/sh"; inherit s; };
}
