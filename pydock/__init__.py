"""pydock: a Nix-compatible evaluator and dockerTools image builder."""
