builtins.replaceStrings [ "a" "b" ] [ "b" "c" ] "aabb"
