let
  genAttrs = names: f: builtins.listToAttrs (map (n: { name = n; value = f n; }) names);
in genAttrs [ "x86_64-linux" "aarch64-linux" ] (system: { inherit system; len = builtins.stringLength system; })
