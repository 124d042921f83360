let x = "outer"; in rec { x = "rec"; y = { z = x; }; }
