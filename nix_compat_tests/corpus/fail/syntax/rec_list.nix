rec [ 1 ]
