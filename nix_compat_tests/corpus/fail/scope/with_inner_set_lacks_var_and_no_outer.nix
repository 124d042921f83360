with { }; with { b = 1; }; a
