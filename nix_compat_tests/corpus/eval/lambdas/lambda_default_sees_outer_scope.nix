let z = 7; in ({ a ? z }: a) { }
