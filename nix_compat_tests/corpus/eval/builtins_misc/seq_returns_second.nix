builtins.seq 1 (builtins.seq "x" [ "done" ])
