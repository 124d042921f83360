# Recursive (NAR) sha256 fixed output: the `source`-style output path.
derivation {
  name = "fixed";
  system = "x86_64-linux";
  builder = "/bin/sh";
  outputHashMode = "recursive";
  outputHashAlgo = "sha256";
  outputHash = "00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4aq";
}
