# A source file whose name ends in .drv cannot be copied to the store (it would pose as a derivation).
derivation {
  name = "drv-source";
  system = "x86_64-linux";
  builder = "/bin/sh";
  src = ../../fixtures/bogus.drv;
}
