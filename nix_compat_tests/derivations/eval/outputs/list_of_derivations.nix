# Lists (also nested ones) of derivations are instantiated element by element, in order.
let
  mk = name: derivation { inherit name; system = "x86_64-linux"; builder = "/bin/sh"; };
in [ (mk "first") [ (mk "second") [ (mk "third") ] ] (mk "fourth") ]
