with builtins; [ (pathExists ../../fixtures/text.txt) (pathExists ../../fixtures/dir) (pathExists ../../fixtures/nope.txt) (pathExists ../../fixtures/dir/link_to_a) ]
