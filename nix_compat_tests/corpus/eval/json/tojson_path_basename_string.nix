builtins.toJSON (baseNameOf ./x.json)
