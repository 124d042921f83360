builtins.toXML [ 1 "str" true null 2.5 ]
