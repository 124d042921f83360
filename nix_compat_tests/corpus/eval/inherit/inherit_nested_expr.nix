let s = { inner = { v = "deep"; }; }; in { inherit (s.inner) v; }
