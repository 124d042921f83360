# A directory path is copied recursively (executable bit, symlinks, nested dirs).
derivation {
  name = "env-path-dir";
  system = "x86_64-linux";
  builder = "/bin/sh";
  src = ../../fixtures/tree;
}
