[ (1 == 1) (1 == 2) (1 != 2) ("a" == "a") (null == null) (true == true) ]
