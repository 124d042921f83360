builtins.match "[a-z]+" "abc"
