# No name: nix-instantiate and --eval word this differently.
derivation {
  system = "x86_64-linux";
  builder = "/bin/sh";
}
