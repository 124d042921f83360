# Integers print in decimal, negative ones with a minus sign.
derivation {
  name = "env-ints";
  system = "x86_64-linux";
  builder = "/bin/sh";
  zero = 0;
  positive = 42;
  negative = -17;
  max = 9223372036854775807;
  min = -9223372036854775807 - 1;
}
