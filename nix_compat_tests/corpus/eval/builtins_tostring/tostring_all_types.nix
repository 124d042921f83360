map toString [ 1 (-5) "str" true false null [ 1 "a" null true false ] [ ] 2.5 ]
