map baseNameOf [ ../../fixtures/text.txt ../../fixtures/dir/subdir ]
