# unsafeDiscardStringContext keeps the text but drops the dependency.
let
  dep = derivation { name = "dep"; system = "x86_64-linux"; builder = "/bin/sh"; };
in derivation {
  name = "no-dep";
  system = "x86_64-linux";
  builder = "/bin/sh";
  depPath = builtins.unsafeDiscardStringContext "${dep}";
  depDrvPath = builtins.unsafeDiscardStringContext dep.drvPath;
}
