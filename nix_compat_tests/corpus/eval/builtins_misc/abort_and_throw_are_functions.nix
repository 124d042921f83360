with builtins; [ (isFunction abort) (isFunction throw) (typeOf throw) ]
