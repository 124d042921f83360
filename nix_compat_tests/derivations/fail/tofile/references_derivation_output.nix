# toFile cannot refer to a derivation output (it would need a build to make sense).
let
  dep = derivation { name = "dep"; system = "x86_64-linux"; builder = "/bin/sh"; };
in derivation {
  name = "tofile-drv";
  system = "x86_64-linux";
  builder = "/bin/sh";
  f = builtins.toFile "refers" "uses ${dep}";
}
