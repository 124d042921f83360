import ../../fixtures/function.nix { x = throw "from caller"; }
