# Flat fixed output, sha256 given in hex: the output path depends only on the hash and name.
derivation {
  name = "fixed";
  system = "x86_64-linux";
  builder = "/bin/sh";
  outputHashMode = "flat";
  outputHashAlgo = "sha256";
  outputHash = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";
}
