builtins.toJSON { a = { b = [ { c = null; } [ ] { } ]; }; }
