[ (builtins ? length) (builtins ? doesNotExist) (builtins ? fromTOML) ]
