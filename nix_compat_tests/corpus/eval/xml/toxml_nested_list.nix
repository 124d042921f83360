builtins.toXML [ [ 1 ] [ ] { x = [ "y" ]; } ]
