builtins.concatStringsSep "/" [ "a" (baseNameOf ./b) ]
