# A file with non-ASCII contents.
derivation {
  name = "unicode-file";
  system = "x86_64-linux";
  builder = "/bin/sh";
  src = ../../fixtures/unicode.txt;
}
