baseNameOf (toString ./some/file.nix)
