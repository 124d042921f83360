(builtins.tryEval { a = throw "lazy inside"; }).value.a
