rec { k = "dyn"; ${k} = 1; }
