scopedImport { injected = 21; } ../../fixtures/scoped.nix
