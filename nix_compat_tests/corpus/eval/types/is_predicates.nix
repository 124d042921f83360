with builtins; map (v: [ (isAttrs v) (isList v) (isString v) (isInt v) (isFloat v) (isBool v) (isNull v) (isFunction v) (isPath v) ]) [ { } [ ] "" 0 0.0 false null (x: x) ./. ]
