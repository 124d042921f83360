with (if true then { z = "t"; } else { z = "f"; }); z
