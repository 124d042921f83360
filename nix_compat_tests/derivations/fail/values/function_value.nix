# A function cannot be coerced to an environment string.
derivation {
  name = "fn";
  system = "x86_64-linux";
  builder = "/bin/sh";
  f = x: x;
}
