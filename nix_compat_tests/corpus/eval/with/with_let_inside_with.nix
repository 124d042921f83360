with { x = "with"; }; let y = x; in let x = "let"; in [ x y ]
