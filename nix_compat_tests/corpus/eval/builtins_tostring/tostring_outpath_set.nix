toString { outPath = "/some/out"; other = 1; }
