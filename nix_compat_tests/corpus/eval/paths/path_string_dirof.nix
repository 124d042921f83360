[ (dirOf "/a/b/c") (dirOf "/a") (dirOf "a/b") (dirOf "a") (dirOf "/") (dirOf "a/b/") ]
