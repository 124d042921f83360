(args@{ a, b ? args.a + 100 }: b) { a = 1; }
