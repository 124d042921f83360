# A derivation taking the drvPath of a derivation that itself took a drvPath.
let
  a = derivation { name = "a"; system = "x86_64-linux"; builder = "/bin/sh"; };
  b = derivation { name = "b"; system = "x86_64-linux"; builder = "/bin/sh"; aDrv = a.drvPath; };
in derivation {
  name = "c";
  system = "x86_64-linux";
  builder = "/bin/sh";
  bDrv = b.drvPath;
  aOut = "${a}";
}
