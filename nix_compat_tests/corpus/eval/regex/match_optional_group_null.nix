builtins.match "x(y)?z" "xz"
