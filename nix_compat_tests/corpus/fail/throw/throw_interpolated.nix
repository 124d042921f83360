let n = 3; in throw "n is ${toString n}"
