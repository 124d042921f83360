assert builtins.isString 1; 1
