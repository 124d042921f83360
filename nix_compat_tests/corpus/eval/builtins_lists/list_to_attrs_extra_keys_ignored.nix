builtins.listToAttrs [ { name = "x"; value = 1; extra = "ignored"; } ]
