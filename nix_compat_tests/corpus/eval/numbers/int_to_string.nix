map toString [ 0 1 (-1) 1234567890 ]
