builtins.replaceStrings [ "o" "a" ] [ "0" "4" ] "foobar baz"
