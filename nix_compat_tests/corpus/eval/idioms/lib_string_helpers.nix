let
  hasPrefix = pref: str: builtins.substring 0 (builtins.stringLength pref) str == pref;
  hasSuffix = suf: str: let ls = builtins.stringLength str; lf = builtins.stringLength suf; in lf <= ls && builtins.substring (ls - lf) lf str == suf;
  removePrefix = pref: str: if hasPrefix pref str then builtins.substring (builtins.stringLength pref) (-1) str else str;
  toUpper = builtins.replaceStrings [ "a" "b" "c" ] [ "A" "B" "C" ];
in [ (hasPrefix "foo" "foobar") (hasSuffix "bar" "foobar") (hasSuffix "xbar" "bar") (removePrefix "/nix/" "/nix/store") (toUpper "abcd") ]
