let
  s = { x.y = 1; };
  p = builtins.unsafeGetAttrPos "x" s;
  q = builtins.unsafeGetAttrPos "y" s.x;
in [ p.line p.column q.line q.column ]
