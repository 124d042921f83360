let p = builtins.unsafeGetAttrPos "x" { x = 1; }; in p.file == toString ./unsafe_get_attr_pos_file_is_this_file.nix
