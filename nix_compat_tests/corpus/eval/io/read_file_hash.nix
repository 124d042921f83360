builtins.hashString "sha256" (builtins.readFile ../../fixtures/text.txt)
