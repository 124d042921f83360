with { } 1
