let x = 7; in let inherit x; in x
