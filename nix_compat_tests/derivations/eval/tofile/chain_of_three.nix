# References through three toFiles; the derivation only names the last one.
let
  a = builtins.toFile "a" "a";
  b = builtins.toFile "b" "b uses ${a}";
  c = builtins.toFile "c" "c uses ${b}";
in derivation {
  name = "tofile-three";
  system = "x86_64-linux";
  builder = "/bin/sh";
  inherit c;
}
