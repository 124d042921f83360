# `drvAttrs` is the set passed to `derivation`, unchanged (no outPath/drvPath added).
let
  d = derivation {
    name = "attrs";
    system = "x86_64-linux";
    builder = "/bin/sh";
    args = [ "-e" ];
    extra = [ 1 "two" true null ];
    outputs = [ "out" "doc" ];
  };
in { inherit (d) drvAttrs; drv = d; }
