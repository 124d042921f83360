builtins.deepSeq [ 1 [ 2 ] ] { r = "done"; }
