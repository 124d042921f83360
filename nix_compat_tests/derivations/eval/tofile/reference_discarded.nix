# A reference whose context was discarded is not recorded: the text mentions it, the store does not.
let
  inner = builtins.toFile "inner-discarded" "inner";
  outer = builtins.toFile "outer-discarded" "uses ${builtins.unsafeDiscardStringContext inner}";
in derivation {
  name = "tofile-discarded";
  system = "x86_64-linux";
  builder = "/bin/sh";
  inherit outer;
}
