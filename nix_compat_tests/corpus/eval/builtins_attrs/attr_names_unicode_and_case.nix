builtins.attrNames { "é" = 1; e = 2; E = 3; "ä" = 4; "" = 5; }
