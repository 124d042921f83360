with builtins; [ (match "" "") (match "" "a") (match "()" "") ]
