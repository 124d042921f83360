# toFile names follow the store path name rules.
derivation {
  name = "tofile-bad-name";
  system = "x86_64-linux";
  builder = "/bin/sh";
  f = builtins.toFile "bad name" "x";
}
