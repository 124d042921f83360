# builtins.path with recursive = false needs a regular file, not a directory.
derivation {
  name = "flat-dir";
  system = "x86_64-linux";
  builder = "/bin/sh";
  src = builtins.path { path = ../../fixtures/tree; recursive = false; };
}
