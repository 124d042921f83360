let xs = builtins.genList (i: { k = i - (i / 3) * 3; i = i; }) 30; in map (x: x.i) (builtins.sort (a: b: a.k < b.k) xs)
