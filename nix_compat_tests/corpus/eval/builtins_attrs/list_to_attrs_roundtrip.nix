let s = { a = 1; b = 2; }; in builtins.listToAttrs (map (n: { name = n; value = s.${n}; }) (builtins.attrNames s))
