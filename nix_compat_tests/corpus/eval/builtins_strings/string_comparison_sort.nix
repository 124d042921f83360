builtins.sort builtins.lessThan [ "b" "a" "B" "aa" "" "A" "10" "9" ]
