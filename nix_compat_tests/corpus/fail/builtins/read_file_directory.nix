builtins.readFile ../../fixtures/dir
