let
  mk = n: (m: n + m);
  add5 = mk 5;
in [ (add5 1) (add5 10) ]
