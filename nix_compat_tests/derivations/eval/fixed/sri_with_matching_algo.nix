# An SRI hash with a matching outputHashAlgo.
derivation {
  name = "fixed";
  system = "x86_64-linux";
  builder = "/bin/sh";
  outputHashMode = "flat";
  outputHashAlgo = "sha256";
  outputHash = "sha256-WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgM=";
}
