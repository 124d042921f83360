with builtins; [ (compareVersions "1.10" "1.9") (compareVersions "1.010" "1.10") ]
