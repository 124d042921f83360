# builtins.path rejects arguments it does not know.
derivation {
  name = "path-bad-arg";
  system = "x86_64-linux";
  builder = "/bin/sh";
  src = builtins.path { path = ../../fixtures/hello.txt; hash = "x"; };
}
