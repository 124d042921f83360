# derivationStrict itself rejects an empty outputs list (the `derivation` wrapper fails earlier, on
# `head` of the empty list, see empty_outputs.nix).
builtins.derivationStrict {
  name = "no-outputs-strict";
  system = "x86_64-linux";
  builder = "/bin/sh";
  outputs = [ ];
}
