"""Nix store primitives: hashes, nix-base32, NAR, store paths, derivations, the SQLite DB."""
