let a = 1; s = { b = 2; }; t = { c = 3; }; in { inherit a; inherit (s) b; inherit (t) c; }
