builtins.fromTOML "a = inf\nb = -inf"
