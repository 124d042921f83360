let cfg = { enable = false; }; in assert cfg.enable; "unreachable"
