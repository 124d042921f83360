builtins.readFile ./missing-file.txt
