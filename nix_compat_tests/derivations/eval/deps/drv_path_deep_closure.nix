# The `=` context pulls in the closure of the .drv: dependencies of dependencies, and their sources.
let
  leafSrc = builtins.toFile "leaf-src" "leaf";
  leaf = derivation { name = "leaf"; system = "x86_64-linux"; builder = "/bin/sh"; src = leafSrc; outputs = [ "out" "lib" ]; };
  mid = derivation { name = "mid"; system = "x86_64-linux"; builder = "/bin/sh"; leaf = "${leaf.lib}"; file = ../../fixtures/hello.txt; };
in derivation {
  name = "top";
  system = "x86_64-linux";
  builder = "/bin/sh";
  midDrv = mid.drvPath;
}
