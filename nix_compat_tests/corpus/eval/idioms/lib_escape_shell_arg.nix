let
  escapeShellArg = arg: "'${builtins.replaceStrings [ "'" ] [ "'\\''" ] (toString arg)}'";
in map escapeShellArg [ "simple" "it's" "" 42 ]
