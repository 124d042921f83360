builtins.fromTOML ''
  basic = "tab\tnewline\nquote\" unicode \u00e9"
  literal = 'C:\path\no-escape'
  multi = """
  line1
  line2"""
'' 
