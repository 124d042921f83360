builtins.fromTOML ''
  a.b.c = 1
  a.d = "two"
  "quoted key".x = true
  site."google.com" = true
'' 
