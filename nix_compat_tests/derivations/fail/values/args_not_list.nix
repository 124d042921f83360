# args must be a list.
derivation {
  name = "args-string";
  system = "x86_64-linux";
  builder = "/bin/sh";
  args = "-c true";
}
