toString 1 + toString true + toString null + "x"
