# appendContext adds context by hand; a derivation built from it depends on what was appended.
let
  dep = derivation { name = "dep"; system = "x86_64-linux"; builder = "/bin/sh"; outputs = [ "out" "dev" ]; };
  plainDrv = builtins.unsafeDiscardStringContext dep.drvPath;
  s = builtins.appendContext "text" { ${plainDrv} = { outputs = [ "dev" ]; }; };
in {
  ctx = builtins.getContext s;
  user = derivation { name = "user"; system = "x86_64-linux"; builder = "/bin/sh"; inherit s; };
}
