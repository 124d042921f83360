# A fixed output with inputs: they appear in its .drv, but not in its output path.
derivation {
  name = "fixed";
  system = "x86_64-linux";
  builder = "/bin/sh";
  outputHashMode = "recursive";
  outputHashAlgo = "sha256";
  outputHash = "00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4aq";
  src = ../../fixtures/hello.txt;
  tool = derivation { name = "tool"; system = "x86_64-linux"; builder = "/bin/sh"; };
}
