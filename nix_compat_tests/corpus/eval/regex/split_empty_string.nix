builtins.split "," ""
