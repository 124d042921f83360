baseNameOf (./foo + "/bar.txt")
