map (x: x.key) (builtins.genericClosure {
  startSet = [ { key = "x"; } ];
  operator = item: if builtins.stringLength item.key < 3 then [ { key = item.key + "x"; } { key = item.key + "y"; } ] else [ ];
})
