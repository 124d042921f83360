let s = { v = 42; }; in { r = with s; v; }
