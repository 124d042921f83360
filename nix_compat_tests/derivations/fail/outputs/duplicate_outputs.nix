# The same output twice.
derivation {
  name = "dup";
  system = "x86_64-linux";
  builder = "/bin/sh";
  outputs = [ "out" "dev" "out" ];
}
