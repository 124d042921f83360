builtins.sort (a: b: a < b) [ "pear" "apple" "fig" "Apple" ]
