# The name must be a string.
derivation {
  name = 42;
  system = "x86_64-linux";
  builder = "/bin/sh";
}
