# `${dep}` in an attribute makes dep's default output an input (inputDrvs dep: [out]).
let
  dep = derivation { name = "dep"; system = "x86_64-linux"; builder = "/bin/sh"; };
in derivation {
  name = "uses-interpolation";
  system = "x86_64-linux";
  builder = "/bin/sh";
  args = [ "-c" "cat ${dep}/file > $out" ];
}
