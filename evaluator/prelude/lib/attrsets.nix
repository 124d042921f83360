# Attribute-set functions: lookups along paths, mapping and filtering, merging,
# and the derivation-output helpers (`getOutput`, `getBin`, …).
{ lib }:
let
  inherit (builtins)
    attrNames listToAttrs mapAttrs isAttrs length elemAt concatMap filter head tail zipAttrsWith
    ;
  # recursiveUpdate's merge of one name's values ([ rhs ] or [ lhs ], or [ rhs lhs ]),
  # made once rather than a new function at every level of every call
  updateValues = n: values:
    if length values == 1 then head values
    else if isAttrs (elemAt values 1) && isAttrs (head values) then zipAttrsWith updateValues values
    else head values;
in
rec {
  inherit (builtins)
    attrNames attrValues hasAttr getAttr listToAttrs mapAttrs removeAttrs intersectAttrs
    catAttrs isAttrs zipAttrsWith
    ;

  nameValuePair = name: value: { inherit name value; };

  # The value at `path` (a list of names) in `set`, or `default` if any step is missing.
  attrByPath = path: default: set:
    let
      n = length path;
      go = i: s:
        if i == n then s
        else let name = elemAt path i; in if s ? ${name} then go (i + 1) s.${name} else default;
    in
    go 0 set;
  hasAttrByPath = path: set:
    let
      n = length path;
      go = i: s: i == n || (let name = elemAt path i; in s ? ${name} && go (i + 1) s.${name});
    in
    go 0 set;
  setAttrByPath = path: value:
    let
      n = length path;
      go = i: if i == n then value else { ${elemAt path i} = go (i + 1); };
    in
    go 0;
  getAttrFromPath = path: set:
    attrByPath path (abort ("cannot find attribute '" + builtins.concatStringsSep "." path + "'")) set;
  attrVals = names: set: map (n: set.${n}) names;
  getAttrs = names: set: genAttrs names (n: set.${n});

  genAttrs = names: f: listToAttrs (map (n: nameValuePair n (f n)) names);

  mapAttrs' = f: set: listToAttrs (map (n: f n set.${n}) (attrNames set));
  mapAttrsToList = f: set: map (n: f n set.${n}) (attrNames set);
  attrsToList = mapAttrsToList nameValuePair;
  # Recurse into nested sets for which `cond` holds; `f` gets the path and the leaf.
  mapAttrsRecursiveCond = cond: f: set:
    let
      go = path: mapAttrs (n: v: if isAttrs v && cond v then go (path ++ [ n ]) v else f (path ++ [ n ]) v);
    in
    go [ ] set;
  mapAttrsRecursive = mapAttrsRecursiveCond (_: true);
  concatMapAttrs = f: set: builtins.foldl' (acc: x: acc // x) { } (builtins.attrValues (mapAttrs f set));
  foldlAttrs = f: init: set: builtins.foldl' (acc: n: f acc n set.${n}) init (attrNames set);
  foldAttrs = op: nul: sets:
    lib.foldr (set: acc: lib.foldr (n: o: o // { ${n} = op set.${n} (acc.${n} or nul); }) acc (attrNames set)) { } sets;

  filterAttrs = pred: set: removeAttrs set (filter (n: !pred n set.${n}) (attrNames set));
  filterAttrsRecursive = pred: set:
    listToAttrs (concatMap (n:
      let v = set.${n}; in
      if pred n v then [ (nameValuePair n (if isAttrs v then filterAttrsRecursive pred v else v)) ] else [ ]
    ) (attrNames set));

  # Every value in `set` (searched depth-first through sets) that satisfies `pred`.
  collect = pred: v:
    if pred v then [ v ] else if isAttrs v then concatMap (collect pred) (builtins.attrValues v) else [ ];

  optionalAttrs = cond: set: if cond then set else { };

  zipAttrsWithNames = names: f: sets: listToAttrs (map (n: { name = n; value = f n (builtins.catAttrs n sets); }) names);
  zipAttrs = zipAttrsWith (_: values: values);

  # Merge `rhs` into `lhs`, descending into attributes that are sets on both sides
  # until `pred path lhs rhs` says stop (then `rhs` wins).
  recursiveUpdateUntil = pred: lhs: rhs:
    let
      go = path: sets: zipAttrsWith (n: values:
        if length values == 1 then head values
        else
          let here = path ++ [ n ]; in
          if pred here (elemAt values 1) (head values) then head values else go here values
      ) sets;
    in
    go [ ] [ rhs lhs ];
  # `recursiveUpdateUntil` with the stop condition "not sets on both sides" written in
  # place (no path, no predicate call): the same values, forced in the same order.
  recursiveUpdate = lhs: rhs: zipAttrsWith updateValues [ rhs lhs ];

  # Whether every attribute of `pattern` is in `set` with an equal value (sets compared recursively).
  matchAttrs = pattern: set:
    assert isAttrs pattern;
    builtins.all (n:
      set ? ${n} && (
        let
          l = pattern.${n};
          r = set.${n};
        in
        if isAttrs l then isAttrs r && matchAttrs l r else l == r
      )
    ) (attrNames pattern);
  overrideExisting = old: new: mapAttrs (n: v: new.${n} or v) old;
  unionOfDisjoint = x: y:
    let
      both = intersectAttrs x y;
      names = builtins.concatStringsSep " " (attrNames both);
    in
    x // y // mapAttrs (n: _: throw "unionOfDisjoint: collision on ${n}; complete list: ${names}") both;

  cartesianProduct = lists:
    builtins.foldl' (acc: n: concatMap (a: map (v: a // { ${n} = v; }) lists.${n}) acc) [ { } ] (attrNames lists);
  mapCartesianProduct = f: lists: map f (cartesianProduct lists);

  isDerivation = v: v.type or null == "derivation";
  recurseIntoAttrs = set: set // { recurseForDerivations = true; };
  dontRecurseIntoAttrs = set: set // { recurseForDerivations = false; };

  # The output `name` of a package, unless a specific output was already chosen
  # (`pkg.out` vs `pkg`); falls back to `out`, then to the value itself.
  getOutput = output: pkg:
    if !(pkg ? outputSpecified) || !pkg.outputSpecified then pkg.${output} or pkg.out or pkg else pkg;
  getBin = getOutput "bin";
  getLib = getOutput "lib";
  getDev = getOutput "dev";
  getMan = getOutput "man";
  chooseDevOutputs = map getDev;
}
