builtins.replaceStrings [ "x" ] [ "y" ] ""
