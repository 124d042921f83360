(args@{ x, ... }: args // { seen = x; }) { x = 1; y = 2; }
