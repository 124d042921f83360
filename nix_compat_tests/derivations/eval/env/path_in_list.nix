# Paths inside lists are copied too.
derivation {
  name = "env-path-list";
  system = "x86_64-linux";
  builder = "/bin/sh";
  srcs = [ ../../fixtures/hello.txt ../../fixtures/unicode.txt ];
}
