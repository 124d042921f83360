(builtins.fromJSON "[[[[[[{\"x\":[1]}]]]]]]")
