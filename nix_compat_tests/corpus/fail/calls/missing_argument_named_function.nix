let myFunction = { x, y ? 1 }: x; in myFunction { }
