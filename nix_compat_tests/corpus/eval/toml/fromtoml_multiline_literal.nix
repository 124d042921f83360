builtins.fromTOML ("multilit = '''\nraw\\n'''\n" + "multibasic = \"\"\"\nx\\ty\"\"\"\n")
