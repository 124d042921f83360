import ../../fixtures/function.nix { z = 1; }
