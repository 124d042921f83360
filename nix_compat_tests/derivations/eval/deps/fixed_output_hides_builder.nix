# Dependents of a fixed-output derivation only see its hash: two fetchers with different builders
# but the same outputHash give dependents with the same output path (different drvPaths).
let
  fetch = builder: derivation {
    name = "fetched";
    system = "x86_64-linux";
    inherit builder;
    outputHashMode = "flat";
    outputHashAlgo = "sha256";
    outputHash = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";
  };
  user = src: derivation { name = "user"; system = "x86_64-linux"; builder = "/bin/sh"; inherit src; };
  a = user (fetch "/bin/sh");
  b = user (fetch "/bin/bash");
in {
  inherit a b;
  sameOut = a.outPath == b.outPath;
  sameDrv = a.drvPath == b.drvPath;
}
