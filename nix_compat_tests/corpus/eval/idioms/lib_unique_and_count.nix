let
  unique = builtins.foldl' (acc: e: if builtins.elem e acc then acc else acc ++ [ e ]) [ ];
  count = pred: builtins.foldl' (c: x: if pred x then c + 1 else c) 0;
in [ (unique [ 3 1 3 2 1 ]) (count (x: x > 1) [ 1 2 3 4 ]) ]
