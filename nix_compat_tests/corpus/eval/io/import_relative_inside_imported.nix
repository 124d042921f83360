import ../../fixtures/relative_import.nix
