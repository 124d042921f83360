# A diamond: the shared bottom appears once in the closure.
let
  mk = name: attrs: derivation ({ inherit name; system = "x86_64-linux"; builder = "/bin/sh"; } // attrs);
  bottom = mk "bottom" { };
  left = mk "left" { inherit bottom; };
  right = mk "right" { dep = "${bottom}/lib"; };
in mk "top" { deps = [ left right ]; }
