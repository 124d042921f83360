"""The Nix grammar (nix.lark), shipped as package data."""
