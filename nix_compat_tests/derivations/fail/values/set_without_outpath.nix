# A plain set cannot be coerced to an environment string.
derivation {
  name = "set";
  system = "x86_64-linux";
  builder = "/bin/sh";
  s = { a = 1; };
}
