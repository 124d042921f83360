# true becomes "1", false becomes the empty string.
derivation {
  name = "env-bools";
  system = "x86_64-linux";
  builder = "/bin/sh";
  yes = true;
  no = false;
}
