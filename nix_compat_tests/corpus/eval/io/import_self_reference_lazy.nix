(import ../../fixtures/self_import.nix).self.self.v
