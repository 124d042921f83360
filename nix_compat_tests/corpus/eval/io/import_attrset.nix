(import ../../fixtures/simple.nix).nested.list
