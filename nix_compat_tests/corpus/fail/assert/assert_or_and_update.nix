assert ({ a = false; } // { b = 1; }).a || false; 1
