# A function inside a list value.
derivation {
  name = "fn-list";
  system = "x86_64-linux";
  builder = "/bin/sh";
  l = [ "a" (x: x) ];
}
