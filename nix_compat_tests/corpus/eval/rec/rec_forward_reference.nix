rec { c = b * 2; b = a + 1; a = 1; }
