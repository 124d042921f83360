# A path that does not exist cannot be copied.
derivation {
  name = "missing";
  system = "x86_64-linux";
  builder = "/bin/sh";
  src = ./does-not-exist.txt;
}
