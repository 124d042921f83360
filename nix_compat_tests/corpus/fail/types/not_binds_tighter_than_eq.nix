!1 == true
