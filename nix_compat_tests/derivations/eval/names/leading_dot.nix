# Nix 2.8 allows a name starting with a dot.
derivation {
  name = ".dotfile";
  system = "x86_64-linux";
  builder = "/bin/sh";
  outputs = [ "out" "dev" ];
}
