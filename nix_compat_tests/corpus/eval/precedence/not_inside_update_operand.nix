(!false) == true && ({ } // { a = !false; }).a
