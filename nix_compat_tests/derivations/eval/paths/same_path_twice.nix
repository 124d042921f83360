# The same path in two attributes is a single input source.
derivation {
  name = "twice";
  system = "x86_64-linux";
  builder = "/bin/sh";
  a = ../../fixtures/hello.txt;
  b = "${../../fixtures/hello.txt}";
  c = [ ../../fixtures/hello.txt ];
}
