"x${throw "interp"}y"
