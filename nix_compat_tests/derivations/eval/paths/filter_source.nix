# filterSource: the store name is the directory's base name.
derivation {
  name = "filter-source";
  system = "x86_64-linux";
  builder = "/bin/sh";
  src = builtins.filterSource (path: type: baseNameOf path != "share") ../../fixtures/tree;
}
