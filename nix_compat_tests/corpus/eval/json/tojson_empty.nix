map builtins.toJSON [ { } [ ] "" 0 ]
