# An empty list of outputs.
derivation {
  name = "no-outputs";
  system = "x86_64-linux";
  builder = "/bin/sh";
  outputs = [ ];
}
