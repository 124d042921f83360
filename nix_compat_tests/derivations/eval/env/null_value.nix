# null becomes the empty string (without __ignoreNulls).
derivation {
  name = "env-null";
  system = "x86_64-linux";
  builder = "/bin/sh";
  nothing = null;
}
