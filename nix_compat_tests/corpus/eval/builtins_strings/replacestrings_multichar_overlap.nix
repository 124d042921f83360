builtins.replaceStrings [ "aa" ] [ "b" ] "aaaaa"
