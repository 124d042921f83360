let a = 1; in assert a + 1 < 2 && true; a
