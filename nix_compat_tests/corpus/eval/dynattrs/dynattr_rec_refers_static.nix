rec { name = "n"; ${name} = "dyn"; other = name; }
