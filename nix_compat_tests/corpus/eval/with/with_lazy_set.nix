with (throw "not needed"); let x = 1; in x
