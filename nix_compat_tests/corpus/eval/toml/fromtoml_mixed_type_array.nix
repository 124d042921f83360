builtins.fromTOML "x = [1, \"mixed\"]"
