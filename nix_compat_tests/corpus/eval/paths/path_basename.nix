[ (baseNameOf ./foo) (baseNameOf ./foo/bar.nix) (builtins.baseNameOf ./.) ]
