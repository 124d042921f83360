"sum=${toString (1 + 2)} list=${builtins.concatStringsSep "," [ "a" "b" ]}"
