builtins.toJSON { x = { __toString = s: "inner"; }; y = [ { outPath = "o"; } ]; }
