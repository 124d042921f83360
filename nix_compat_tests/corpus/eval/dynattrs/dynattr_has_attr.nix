let k = "foo"; in [ ({ foo = 1; } ? ${k}) ({ foo = 1; } ? "${k}x") ]
