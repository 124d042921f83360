let
  modules = [ { a = [ 1 ]; } { a = [ 2 ]; b = "x"; } { b = "y"; } ];
in builtins.zipAttrsWith (name: vals: if builtins.isList (builtins.head vals) then builtins.concatLists vals else builtins.elemAt vals (builtins.length vals - 1)) modules
