[ (builtins.isAttrs builtins) (builtins.builtins ? map) ]
