builtins.readFile ../../fixtures/text.txt
