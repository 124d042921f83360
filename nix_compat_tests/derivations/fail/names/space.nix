# A space is not allowed in store path names.
derivation {
  name = "hello world";
  system = "x86_64-linux";
  builder = "/bin/sh";
}
