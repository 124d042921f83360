let f = x: undefinedThing; in 1
