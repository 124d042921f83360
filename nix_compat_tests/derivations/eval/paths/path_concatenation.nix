# Paths built by concatenation are copied like literal ones.
let
  base = ../../fixtures;
in derivation {
  name = "concat";
  system = "x86_64-linux";
  builder = "/bin/sh";
  file = base + "/hello.txt";
  dir = base + "/tree/share";
}
