with builtins; [ (substring 0 3 "hello") (substring 1 3 "hello") (substring 4 1 "hello") ]
