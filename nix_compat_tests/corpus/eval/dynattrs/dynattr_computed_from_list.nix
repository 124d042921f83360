builtins.foldl' (acc: n: acc // { "item${toString n}" = n; }) { } [ 1 2 3 ]
