builtins.toJSON { a = [ (throw "json") ]; }
