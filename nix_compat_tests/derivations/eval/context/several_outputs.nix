# Several outputs of one derivation merge into one context entry listing them.
let
  dep = derivation { name = "dep"; system = "x86_64-linux"; builder = "/bin/sh"; outputs = [ "out" "dev" ]; };
in {
  ctx = builtins.getContext "${dep.dev}:${dep.out}:${dep}";
  inherit dep;
}
