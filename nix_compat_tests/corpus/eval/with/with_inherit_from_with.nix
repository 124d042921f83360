with { q = 9; }; { inherit q; }
