builtins.seq (throw "seq") 1
