builtins.stringLength (builtins.readFile ../../fixtures/dir/subdir/c.txt)
