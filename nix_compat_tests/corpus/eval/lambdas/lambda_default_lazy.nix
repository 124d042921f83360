({ a ? throw "unused default" }: "fine") { a = 1; }
