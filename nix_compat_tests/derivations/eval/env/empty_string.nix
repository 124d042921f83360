# An empty string attribute is present with an empty value.
derivation {
  name = "env-empty";
  system = "x86_64-linux";
  builder = "/bin/sh";
  empty = "";
}
