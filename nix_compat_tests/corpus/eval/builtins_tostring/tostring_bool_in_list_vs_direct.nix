[ (toString true) (toString false) (toString [ true false ]) ]
