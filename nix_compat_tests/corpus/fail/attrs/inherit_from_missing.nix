{ inherit ({ a = 1; }) b; }.b
