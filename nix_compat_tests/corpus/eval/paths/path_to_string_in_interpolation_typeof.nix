builtins.typeOf "${baseNameOf ./x}"
