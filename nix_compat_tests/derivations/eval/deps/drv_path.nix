# `dep.drvPath` has the `=` context: every output of dep and dep's whole closure become inputs.
let
  src = builtins.toFile "dep-src" "source text";
  dep = derivation { name = "dep"; system = "x86_64-linux"; builder = "/bin/sh"; inherit src; outputs = [ "out" "dev" ]; };
in derivation {
  name = "uses-drvpath";
  system = "x86_64-linux";
  builder = "/bin/sh";
  depDrv = dep.drvPath;
}
