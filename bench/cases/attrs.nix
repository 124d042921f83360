# Set-heavy: building, updating and reading many attribute sets (like package sets)
let
  names = builtins.genList (i: "pkg${toString i}") 5000;
  set = builtins.listToAttrs (map (n: { name = n; value = { pname = n; version = "1.0"; }; }) names);
  updated = builtins.mapAttrs (n: v: v // { meta = { description = "package ${n}"; }; }) set;
in
builtins.length (builtins.filter (v: v.meta.description != "") (builtins.attrValues updated))
