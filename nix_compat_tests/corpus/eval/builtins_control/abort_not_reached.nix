if false then abort "no" else "fine"
