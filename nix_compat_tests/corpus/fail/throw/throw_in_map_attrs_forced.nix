builtins.mapAttrs (n: v: throw "attr ${n}") { a = 1; }
