builtins.fromTOML ''
  a = [ [ 1, 2 ], [ "x", "y" ] ]
  empty = [ ]
  trailing = [ 1, 2, ]
'' 
