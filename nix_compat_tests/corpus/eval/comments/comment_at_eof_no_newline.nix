42 # trailing
