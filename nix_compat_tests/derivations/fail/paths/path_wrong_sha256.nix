# builtins.path with a sha256 that does not match the contents.
derivation {
  name = "path-bad-hash";
  system = "x86_64-linux";
  builder = "/bin/sh";
  src = builtins.path {
    path = ../../fixtures/tree;
    sha256 = "00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4aq";
  };
}
