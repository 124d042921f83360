let t = builtins.fromTOML "i = 1\nf = 1.0\ns = 'x'\nb = false\nl = []\nt = {}"; in builtins.mapAttrs (n: v: builtins.typeOf v) t
