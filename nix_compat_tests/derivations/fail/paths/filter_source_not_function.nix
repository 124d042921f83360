# filterSource's first argument must be a function.
derivation {
  name = "filter-not-fn";
  system = "x86_64-linux";
  builder = "/bin/sh";
  src = builtins.filterSource true ../../fixtures/tree;
}
