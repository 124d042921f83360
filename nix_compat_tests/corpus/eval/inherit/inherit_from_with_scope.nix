with { w = "from-with"; }; { inherit w; }
