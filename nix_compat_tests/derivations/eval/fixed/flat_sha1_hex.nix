# Flat fixed output, sha1 given in hex: the output path depends only on the hash and name.
derivation {
  name = "fixed";
  system = "x86_64-linux";
  builder = "/bin/sh";
  outputHashMode = "flat";
  outputHashAlgo = "sha1";
  outputHash = "f572d396fae9206628714fb2ce00f72e94f2258f";
}
