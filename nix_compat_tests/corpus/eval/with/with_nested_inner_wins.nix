with { x = "outer"; y = "y"; }; with { x = "inner"; }; [ x y ]
