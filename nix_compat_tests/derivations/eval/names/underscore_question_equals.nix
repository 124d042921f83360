# The remaining allowed punctuation: _ ? =.
derivation {
  name = "a_b?c=d";
  system = "x86_64-linux";
  builder = "/bin/sh";
  outputs = [ "out" "dev" ];
}
