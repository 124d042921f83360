with builtins; [ (isFunction map) (isFunction (map (x: x))) (isFunction isFunction) ]
