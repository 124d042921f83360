let k = "a"; in { inherit ${k}; }
