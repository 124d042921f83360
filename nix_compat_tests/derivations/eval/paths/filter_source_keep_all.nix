# A filter that keeps everything gives the same path as a plain copy.
let
  filtered = builtins.filterSource (path: type: true) ../../fixtures/tree;
in {
  same = filtered == "${../../fixtures/tree}";
  user = derivation { name = "keep-all"; system = "x86_64-linux"; builder = "/bin/sh"; src = filtered; };
}
