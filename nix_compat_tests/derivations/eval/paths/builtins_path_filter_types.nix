# The filter sees the entry type: here symlinks are dropped, directories and files kept.
derivation {
  name = "path-filter-types";
  system = "x86_64-linux";
  builder = "/bin/sh";
  src = builtins.path {
    path = ../../fixtures/tree;
    name = "no-symlinks";
    filter = path: type: type != "symlink";
  };
}
