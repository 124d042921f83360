# A toFile referring to another toFile: the reference is recorded in the store (nix-store -qR).
let
  inner = builtins.toFile "inner" "inner contents";
  outer = builtins.toFile "outer" "source ${inner}";
in derivation {
  name = "tofile-chain";
  system = "x86_64-linux";
  builder = "/bin/sh";
  inherit outer;
}
