let a = "let"; in { a = "attr"; b = a; }
