builtins.fromTOML ''
  hex = 0xff
  oct = 0o17
  bin = 0b101
  under = 1_000
  flt = 6.25
  exp = 5e2
  plus = +3
'' 
