# JSON rendering of ints, floats, bools and null; floats keep only 6 significant digits (1/3 -> 0.333333).
derivation {
  name = "structured-scalars";
  system = "x86_64-linux";
  builder = "/bin/sh";
  __structuredAttrs = true;
  int = 42;
  negative = -7;
  zero = 0;
  big = 9223372036854775807;
  float = 1.5;
  tenth = 0.1;
  third = 1.0 / 3.0;
  huge = 1.0e300;
  tiny = 1.0e-10;
  wholeFloat = 2.0;
  yes = true;
  no = false;
  nothing = null;
}
