import ./this-file-does-not-exist.nix
