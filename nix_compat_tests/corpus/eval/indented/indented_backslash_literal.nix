''
  a\nb \t \\ \$x
''
