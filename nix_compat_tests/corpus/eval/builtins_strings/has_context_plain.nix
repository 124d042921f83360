[ (builtins.hasContext "plain") (builtins.hasContext "${"a"}b") ]
