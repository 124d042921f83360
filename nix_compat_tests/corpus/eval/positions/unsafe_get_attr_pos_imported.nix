let
  s = import ../../fixtures/positions.nix;
  pos = n: let p = builtins.unsafeGetAttrPos n s; in [ p.line p.column (baseNameOf p.file) ];
in map pos [ "first" "second" "third" ]
