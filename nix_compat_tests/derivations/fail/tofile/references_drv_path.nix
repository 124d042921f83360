# toFile cannot refer to a drvPath (the `=` context) either.
let
  dep = derivation { name = "dep"; system = "x86_64-linux"; builder = "/bin/sh"; };
in derivation {
  name = "tofile-drvpath";
  system = "x86_64-linux";
  builder = "/bin/sh";
  f = builtins.toFile "refers" dep.drvPath;
}
