[ (true && false) (true && true) (false || true) (false || false) ]
