let s = import ../../fixtures/simple.nix; t = { v = t.v; }; in t.v
