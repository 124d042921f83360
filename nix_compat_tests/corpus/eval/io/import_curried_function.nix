import ../../fixtures/curried.nix 40 2
