# A path that is a symlink is copied as the symlink itself, not its target.
derivation {
  name = "symlink-path";
  system = "x86_64-linux";
  builder = "/bin/sh";
  link = ../../fixtures/tree/tool-link;
}
