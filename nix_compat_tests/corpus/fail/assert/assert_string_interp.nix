let v = "1"; in assert "${v}x" == "1"; 1
