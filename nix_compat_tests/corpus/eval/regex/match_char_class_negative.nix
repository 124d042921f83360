with builtins; [ (match "[^0-9]+" "abc") (match "[^0-9]+" "ab1") ]
