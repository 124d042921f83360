# outputs must be a list (the derivation wrapper maps over it).
derivation {
  name = "outputs-string";
  system = "x86_64-linux";
  builder = "/bin/sh";
  outputs = "out dev";
}
