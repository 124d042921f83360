builtins.toJSON (builtins.fromJSON "\"\\u0001\\u001f\\u0008\\u000c\"")
