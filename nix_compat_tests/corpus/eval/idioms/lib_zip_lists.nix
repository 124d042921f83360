let
  zipListsWith = f: a: b: builtins.genList (i: f (builtins.elemAt a i) (builtins.elemAt b i)) (if builtins.length a < builtins.length b then builtins.length a else builtins.length b);
in zipListsWith (a: b: { inherit a b; }) [ 1 2 3 ] [ "x" "y" ]
