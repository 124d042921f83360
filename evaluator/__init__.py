"""The Nix language evaluator: lexer, parser, compiler to closures, values and builtins."""
