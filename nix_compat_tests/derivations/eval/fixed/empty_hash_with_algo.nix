# An empty outputHash with an explicit algorithm is accepted with a warning (the all-zero hash).
derivation {
  name = "fixed";
  system = "x86_64-linux";
  builder = "/bin/sh";
  outputHashMode = "flat";
  outputHashAlgo = "sha256";
  outputHash = "";
}
