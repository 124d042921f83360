# Recursive sha1 fixed output: path computed via the `fixed:out:r:sha1` fingerprint.
derivation {
  name = "fixed";
  system = "x86_64-linux";
  builder = "/bin/sh";
  outputHashMode = "recursive";
  outputHashAlgo = "sha1";
  outputHash = "f572d396fae9206628714fb2ce00f72e94f2258f";
}
