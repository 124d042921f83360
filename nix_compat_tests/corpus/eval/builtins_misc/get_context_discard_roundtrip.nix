builtins.getContext (builtins.unsafeDiscardStringContext "${"a"}${"b"}")
