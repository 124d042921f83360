# Non-ASCII characters are not allowed in store path names.
derivation {
  name = "héllo";
  system = "x86_64-linux";
  builder = "/bin/sh";
}
