# A sha256 hash of the wrong length.
derivation {
  name = "bad-fod";
  system = "x86_64-linux";
  builder = "/bin/sh";
  outputHashAlgo = "sha256";
  outputHash = "abcdef";
}
