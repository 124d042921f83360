let
  splitString = sep: s: builtins.filter builtins.isString (builtins.split (builtins.replaceStrings [ "." ] [ "\\." ] sep) s);
in [ (splitString "." "a.b.c") (splitString "," "") (splitString "/" "/usr/bin/") ]
