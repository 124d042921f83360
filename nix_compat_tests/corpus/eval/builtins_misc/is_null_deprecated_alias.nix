[ (isNull null) (builtins.isNull 0) ]
