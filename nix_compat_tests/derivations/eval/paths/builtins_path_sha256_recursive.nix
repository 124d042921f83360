# builtins.path with the expected NAR sha256 of a directory.
derivation {
  name = "path-sha256";
  system = "x86_64-linux";
  builder = "/bin/sh";
  src = builtins.path {
    path = ../../fixtures/tree;
    name = "tree-checked";
    sha256 = "0rxxhxqys25x7g2y124520wj993gw9jg9hf5b7agk7p8qls44dx9";
  };
}
