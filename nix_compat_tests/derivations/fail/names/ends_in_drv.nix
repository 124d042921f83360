# Derivation names must not end in .drv.
derivation {
  name = "foo.drv";
  system = "x86_64-linux";
  builder = "/bin/sh";
}
