builtins.toJSON "quote\" backslash\\ nl\n tab\t cr\r slash/ dollar$"
