# String-heavy: interpolation, concatStringsSep, replaceStrings, substring
let
  lines = builtins.genList (i: "line ${toString i}: ${builtins.substring 0 4 "abcdefgh"}") 20000;
  text = builtins.concatStringsSep "\n" lines;
in
builtins.stringLength (builtins.replaceStrings [ "line" ] [ "LINE" ] text)
