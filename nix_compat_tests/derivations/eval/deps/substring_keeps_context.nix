# String operations keep context: a substring of an output path still depends on the derivation.
let
  dep = derivation { name = "dep"; system = "x86_64-linux"; builder = "/bin/sh"; };
in derivation {
  name = "substring-dep";
  system = "x86_64-linux";
  builder = "/bin/sh";
  prefix = builtins.substring 0 11 "${dep}";
  replaced = builtins.replaceStrings [ "/nix/store" ] [ "/store" ] "${dep}";
}
