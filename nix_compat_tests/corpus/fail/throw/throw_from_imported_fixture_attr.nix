(import ../../fixtures/simple.nix).value + (throw "after import")
