let s = { or = 1; }; in [ s.or { or = 2; }.or ]
