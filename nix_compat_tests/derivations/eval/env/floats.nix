# Floats in the environment use C's %f-style formatting (std::to_string).
derivation {
  name = "env-floats";
  system = "x86_64-linux";
  builder = "/bin/sh";
  half = 1.5;
  tenth = 0.1;
  whole = 2.0;
  negative = -3.25;
  huge = 1.0e20;
  tiny = 1.0e-7;
  third = 1.0 / 3.0;
}
