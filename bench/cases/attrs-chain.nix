# 5,000 attributes through listToAttrs, mapAttrs and the prelude's recursiveUpdate
let
  lib = (import <nixpkgs> { }).lib;
  names = builtins.genList (i: "pkg${toString i}") 5000;
  base = builtins.listToAttrs (map (n: { name = n; value = { pname = n; meta.license = "mit"; }; }) names);
  mapped = builtins.mapAttrs (n: v: v // { version = "1.${builtins.substring 3 9 n}"; }) base;
  extra = builtins.listToAttrs (map (n: { name = n; value = { meta.description = "the ${n} package"; }; }) names);
  merged = lib.recursiveUpdate mapped extra;
in
builtins.foldl' (acc: n: acc + builtins.stringLength merged.${n}.meta.description
  + builtins.stringLength merged.${n}.version) 0 (builtins.attrNames merged)
