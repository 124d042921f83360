({ a ? undefinedInDefault }: a) { a = 1; }
