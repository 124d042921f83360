let
  recursiveUpdate = lhs: rhs:
    lhs // builtins.mapAttrs (n: v:
      if builtins.isAttrs v && lhs ? ${n} && builtins.isAttrs lhs.${n}
      then recursiveUpdate lhs.${n} v else v) rhs;
in recursiveUpdate { a = { b = 1; c = 2; }; d = 3; } { a = { c = 20; e = 5; }; f = 6; }
