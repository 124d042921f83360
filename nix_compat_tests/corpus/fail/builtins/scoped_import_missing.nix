scopedImport { } ./nope.nix
