with builtins; [ (substring 2 100 "hello") (substring 10 2 "hello") (substring 5 1 "hello") ]
