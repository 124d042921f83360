let
  foldr = op: nul: list: let len = builtins.length list; go = n: if n == len then nul else op (builtins.elemAt list n) (go (n + 1)); in go 0;
  range = first: last: if first > last then [ ] else builtins.genList (n: first + n) (last - first + 1);
in [ (foldr (x: acc: [ x ] ++ acc) [ ] (range 1 5)) (range 3 2) (foldr (a: b: a - b) 0 [ 10 4 1 ]) ]
