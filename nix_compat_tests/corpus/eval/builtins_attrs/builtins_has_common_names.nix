map (n: builtins ? ${n}) [ "map" "filter" "toString" "import" "derivation" "abort" "throw" "true" "null" "currentSystem" "nope" ]
