builtins.match "\\{" "{"
