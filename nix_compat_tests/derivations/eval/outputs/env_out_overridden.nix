# An attribute named like an output is replaced by the output path in the .drv's environment.
derivation {
  name = "override-out";
  system = "x86_64-linux";
  builder = "/bin/sh";
  out = "user value";
  outputs = [ "out" "dev" ];
  dev = "another";
}
