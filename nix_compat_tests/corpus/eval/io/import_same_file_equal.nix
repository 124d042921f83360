import ../../fixtures/simple.nix == import ../../fixtures/simple.nix
