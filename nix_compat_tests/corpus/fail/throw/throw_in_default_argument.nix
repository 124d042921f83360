({ a ? throw "default forced" }: a) { }
