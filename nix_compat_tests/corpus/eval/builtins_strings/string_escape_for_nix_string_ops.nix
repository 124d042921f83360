builtins.stringLength "\\\"\n"
