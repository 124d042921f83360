# Impure derivations are an experimental feature in Nix 2.8.
derivation {
  name = "impure";
  system = "x86_64-linux";
  builder = "/bin/sh";
  __impure = true;
}
