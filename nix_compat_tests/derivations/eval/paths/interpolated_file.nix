# "${./file}" copies a single file into the store (name = base name).
derivation {
  name = "interp-file";
  system = "x86_64-linux";
  builder = "/bin/sh";
  src = "${../../fixtures/hello.txt}";
}
