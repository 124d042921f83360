with builtins; [ (isString currentSystem) (match "[a-z0-9_]+-[a-z]+" currentSystem != null) ]
