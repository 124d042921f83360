# `dep.outPath` carries the same context as `${dep}`.
let
  dep = derivation { name = "dep"; system = "x86_64-linux"; builder = "/bin/sh"; };
in derivation {
  name = "uses-outpath";
  system = "x86_64-linux";
  builder = "/bin/sh";
  input = dep.outPath;
}
