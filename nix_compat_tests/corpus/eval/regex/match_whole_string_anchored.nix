with builtins; [ (match "b" "abc") (match "abc" "abc") (match "a.*" "abc") (match ".*c" "abc") ]
