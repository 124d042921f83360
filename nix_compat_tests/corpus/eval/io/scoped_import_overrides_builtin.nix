(scopedImport { map = "shadowed"; injected = 1; } ../../fixtures/scoped.nix).tool
