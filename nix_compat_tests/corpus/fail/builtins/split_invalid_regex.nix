builtins.split "[" "x"
