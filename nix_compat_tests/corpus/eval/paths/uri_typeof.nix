builtins.typeOf https://example.com/x.tar.gz
