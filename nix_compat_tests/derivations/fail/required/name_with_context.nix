# The name must not carry context.
derivation {
  name = "n-${builtins.toFile "f" "x"}";
  system = "x86_64-linux";
  builder = "/bin/sh";
}
