# A chain a -> b -> c: each output path depends on the whole chain below it.
let
  a = derivation { name = "chain-a"; system = "x86_64-linux"; builder = "/bin/sh"; };
  b = derivation { name = "chain-b"; system = "x86_64-linux"; builder = "/bin/sh"; inherit a; };
in derivation { name = "chain-c"; system = "x86_64-linux"; builder = "/bin/sh"; inherit b; }
