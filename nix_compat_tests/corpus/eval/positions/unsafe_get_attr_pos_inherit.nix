let
  a = 1;
  s = { inherit a; };
  p = builtins.unsafeGetAttrPos "a" s;
in [ p.line p.column ]
