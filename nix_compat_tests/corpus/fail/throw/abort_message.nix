abort "bad"
