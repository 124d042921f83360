(x: x).a
