builtins.genericClosure { startSet = [ { key = 1; } ]; operator = x: throw "op failed"; }
