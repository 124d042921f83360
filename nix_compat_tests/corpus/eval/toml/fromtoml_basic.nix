builtins.fromTOML ''
  title = "TOML"
  int = 42
  neg = -7
  float = 3.5
  bool = true
  arr = [ 1, 2, 3 ]
'' 
