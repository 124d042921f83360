# An empty recursive sha512 outputHash: warning and the all-zero sha512.
derivation {
  name = "fixed";
  system = "x86_64-linux";
  builder = "/bin/sh";
  outputHashMode = "recursive";
  outputHashAlgo = "sha512";
  outputHash = "";
}
