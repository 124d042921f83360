builtins.toJSON "héllo ✓ 日本 😀"
