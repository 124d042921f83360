(import ../../fixtures/let_module.nix).result
