let
  optional = c: x: if c then [ x ] else [ ];
  optionalString = c: s: if c then s else "";
  optionalAttrs = c: s: if c then s else { };
in [ (optional true 1 ++ optional false 2) (optionalString false "x" + optionalString true "y") ({ a = 1; } // optionalAttrs true { b = 2; } // optionalAttrs false { c = 3; }) ]
