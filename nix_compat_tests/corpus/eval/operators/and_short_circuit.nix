false && throw "not evaluated"
