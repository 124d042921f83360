"\u0001 is not an escape but ${builtins.fromJSON "\"\\u0001\\u001f\\u007f\""}"
