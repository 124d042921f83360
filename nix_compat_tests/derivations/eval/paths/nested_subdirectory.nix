# Copying a subdirectory: its name is the subdirectory's base name.
derivation {
  name = "subdir";
  system = "x86_64-linux";
  builder = "/bin/sh";
  doc = ../../fixtures/tree/share/doc;
  bin = ../../fixtures/tree/bin;
}
