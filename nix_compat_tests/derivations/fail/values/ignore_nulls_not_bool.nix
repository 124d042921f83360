# __ignoreNulls must be a bool.
derivation {
  name = "ignore-nulls-str";
  system = "x86_64-linux";
  builder = "/bin/sh";
  __ignoreNulls = "yes";
}
