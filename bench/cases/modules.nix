# A module-system-style fixed point: 200 modules declare options and define values that
# read other options through `config`; definitions are merged by priority and type.
let
  lib = (import <nixpkgs> { }).lib;
  inherit (lib) fix mapAttrs zipAttrsWith foldl' filter length head sort concatLists attrValues;
  n = 200;
  mkOption = { default ? null, type ? "str" }: { _type = "option"; inherit default type; };
  mkOverride = priority: value: { _type = "override"; inherit priority value; };
  mkDefault = mkOverride 1000;
  mkForce = mkOverride 50;
  module = i: { config, ... }: {
    options."opt${toString i}" = mkOption { default = i; type = "int"; };
    options."name${toString i}" = mkOption { type = "str"; };
    config = {
      "name${toString i}" = if i == 0 then "root" else "${config."name${toString (i - 1)}"}-${toString i}";
      "opt${toString (lib.trivial.mod (i * 7) n)}" = mkDefault (i * 3);
    } // (if lib.trivial.mod i 10 == 0
          then { "opt${toString i}" = mkForce (config."opt${toString (i + 1)}" or 0); }
          else { });
  };
  modules = builtins.genList module n;
  evalModules = mods: fix (self:
    let
      results = map (m: m { config = self.config; inherit lib; }) mods;
      options = foldl' (acc: r: acc // r.options) { } results;
      defs = zipAttrsWith (_: vs: vs) (map (r: r.config) results);
      prio = d: if builtins.isAttrs d && d ? _type && d._type == "override" then d.priority else 100;
      strip = d: if builtins.isAttrs d && d ? _type && d._type == "override" then d.value else d;
      merge = name: opt:
        let
          ds = defs.${name} or [ ];
          best = if ds == [ ] then null else head (sort (a: b: prio a < prio b) ds);
          highest = filter (d: prio d == prio best) ds;
        in
        if ds == [ ] then opt.default
        else if length highest > 1 && opt.type == "str" then throw "conflicting definitions for ${name}"
        else strip best;
    in { inherit options; config = mapAttrs merge options; });
  result = evalModules modules;
in
{
  total = foldl' (acc: i: acc + result.config."opt${toString i}") 0 (builtins.genList (i: i) n);
  last = builtins.stringLength result.config."name${toString (n - 1)}";
}
