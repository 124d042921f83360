# The first listed output is the default one, even when it is not `out`.
derivation {
  name = "lib-first";
  system = "x86_64-linux";
  builder = "/bin/sh";
  outputs = [ "lib" "out" ];
}
