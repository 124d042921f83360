# Several references, one of them twice: each is recorded once.
let
  x = builtins.toFile "x" "x";
  y = builtins.toFile "y" "y";
  both = builtins.toFile "both" "${x} ${y} ${x}";
in derivation {
  name = "tofile-multi";
  system = "x86_64-linux";
  builder = "/bin/sh";
  inherit both;
}
