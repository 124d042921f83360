(args@{ args }: args) { args = 1; }
