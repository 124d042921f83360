''
  ✓ ünïcode
    日本
''
