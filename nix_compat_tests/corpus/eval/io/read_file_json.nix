builtins.fromJSON (builtins.readFile ../../fixtures/data.json)
