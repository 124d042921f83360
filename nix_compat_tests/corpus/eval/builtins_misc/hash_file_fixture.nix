builtins.hashFile "sha256" ../../fixtures/text.txt
