# A slash in a toFile name.
derivation {
  name = "tofile-slash";
  system = "x86_64-linux";
  builder = "/bin/sh";
  f = builtins.toFile "a/b" "x";
}
