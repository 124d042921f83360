builtins.hashString "sha256" "日本 ✓\n"
