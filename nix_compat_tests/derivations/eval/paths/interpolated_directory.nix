# "${./dir}" copies a directory tree: nested directories, an executable, symlinks, an empty file.
derivation {
  name = "interp-dir";
  system = "x86_64-linux";
  builder = "/bin/sh";
  src = "${../../fixtures/tree}";
}
