builtins.addErrorContext "some context" (1 + 1)
