({ a ? throw "unused default" }: "fine") { }
