({ a, b ? a + 1, ... }@args: [ a b (builtins.attrNames args) ]) { a = 1; c = 3; }
