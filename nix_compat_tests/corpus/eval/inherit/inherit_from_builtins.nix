let inherit (builtins) length head; in [ (length [ 1 2 3 ]) (head [ "h" ]) ]
