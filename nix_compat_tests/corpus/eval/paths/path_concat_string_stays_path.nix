builtins.typeOf (./foo + "/bar")
