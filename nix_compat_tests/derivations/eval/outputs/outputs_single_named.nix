# A single output that is not called `out`.
derivation {
  name = "only-bin";
  system = "x86_64-linux";
  builder = "/bin/sh";
  outputs = [ "bin" ];
}
