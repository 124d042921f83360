let
  concatMapStrings = f: list: builtins.concatStringsSep "" (map f list);
  concatMapStringsSep = sep: f: list: builtins.concatStringsSep sep (map f list);
in [ (concatMapStrings (x: "<${x}>") [ "a" "b" ]) (concatMapStringsSep ", " toString [ 1 2 3 ]) ]
