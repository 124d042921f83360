''
  a''\nb''\tc''\rd''\\e''\qf
''
