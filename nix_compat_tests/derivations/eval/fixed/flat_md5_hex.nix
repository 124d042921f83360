# Flat fixed output with md5, still accepted by Nix 2.8.
derivation {
  name = "fixed";
  system = "x86_64-linux";
  builder = "/bin/sh";
  outputHashMode = "flat";
  outputHashAlgo = "md5";
  outputHash = "b1946ac92492d2347c6235b4d2611184";
}
