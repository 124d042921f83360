# Overridable results (`.override`), `callPackage`, and attaching extra
# attributes to every output of a derivation.
{ lib }:
let
  inherit (lib) isFunction functionArgs setFunctionArgs mirrorFunctionArgs;
in
rec {
  # `f origArgs`, remembering `f` and `origArgs` so that `.override newArgs` can
  # call `f` again with `origArgs // newArgs` (or `origArgs // newArgs origArgs`).
  # Function results become functors so they can carry `.override` too.
  makeOverridable = f:
    let sameArgs = mirrorFunctionArgs f; in
    sameArgs (origArgs:
      let
        result = f origArgs;
        merged = newArgs: origArgs // (if isFunction newArgs then newArgs origArgs else newArgs);
        override = sameArgs (newArgs: makeOverridable f (merged newArgs));
        # Keep overridability after transforming the result with `g`.
        mapResult = g: makeOverridable (sameArgs (args: g (f args))) origArgs;
      in
      if builtins.isAttrs result then
        result // {
          inherit override;
          overrideDerivation = fdrv: mapResult (x: overrideDerivation x fdrv);
          ${if result ? overrideAttrs then "overrideAttrs" else null} = fattrs: mapResult (x: x.overrideAttrs fattrs);
        }
      else if isFunction result then
        setFunctionArgs result (functionArgs result) // { inherit override; }
      else
        result
    );

  # Call `fn` (a function or a file holding one) with the arguments it names that
  # `autoArgs` has, overridden by `args`. A required argument nobody supplies is
  # an abort (not catchable by tryEval), as in nixpkgs.
  callPackageWith = autoArgs: fn: args:
    let
      f = if isFunction fn then fn else import fn;
      formals = functionArgs f;
      allArgs = builtins.intersectAttrs formals autoArgs // args;
      missing = builtins.filter (n: !formals.${n}) (builtins.attrNames (removeAttrs formals (builtins.attrNames allArgs)));
      where = arg:
        let pos = builtins.unsafeGetAttrPos arg formals; in
        if pos != null then "${pos.file}:${toString pos.line}"
        else if !isFunction fn then toString fn
        else "<unknown location>";
      first = builtins.head missing;
      # pydock's own advice when the set is the package set: packages come from an index.
      index = (import ../package-index.nix).file;
      hint =
        if !(autoArgs ? callPackage && autoArgs ? dockerTools) then ""
        else if index == null then "\nhint: '${first}' is not in pydock's prelude; give a package index with --packages (README: Packages)"
        else "\nhint: '${first}' is neither in pydock's prelude nor in the package index '${index}' (README: Packages)";
    in
    if missing == [ ] then makeOverridable f allArgs
    else abort "lib.customisation.callPackageWith: Function called without required argument \"${first}\" at ${where first}${hint}";

  # Like callPackageWith for a function returning a set of packages: each gets its own `.override`.
  callPackagesWith = autoArgs: fn: args:
    let
      f = if isFunction fn then fn else import fn;
      origArgs = builtins.intersectAttrs (functionArgs f) autoArgs // args;
    in
    builtins.mapAttrs (name: _: makeOverridable (newArgs: (f newArgs).${name}) origArgs) (f origArgs);

  # `drv` and each of its outputs (`drv.out`, `drv.bin`, …) extended with `passthru`;
  # `drvPath`/`outPath` assert `condition` when forced.
  extendDerivation = condition: passthru: drv:
    let
      outputs = drv.outputs or [ "out" ];
      perOutput = map (o: {
        name = o;
        value = common // {
          inherit (drv.${o}) type outputName;
          outputSpecified = true;
          drvPath = assert condition; drv.${o}.drvPath;
          outPath = assert condition; drv.${o}.outPath;
        } // lib.optionalAttrs (passthru ? overrideAttrs) {
          overrideAttrs = g: (passthru.overrideAttrs g).${o};
        };
      }) outputs;
      common = drv // builtins.listToAttrs perOutput // { all = map (x: x.value) perOutput; } // passthru;
    in
    common // {
      drvPath = assert condition; drv.drvPath;
      outPath = assert condition; drv.outPath;
    };

  # A new derivation from `drv`'s derivation attributes updated with `f drv`;
  # meta and passthru carry over.
  overrideDerivation = drv: f:
    let newDrv = derivation (drv.drvAttrs // f drv); in
    extendDerivation true ({
      meta = drv.meta or { };
      passthru = drv.passthru or { };
    } // (drv.passthru or { })) newDrv;

  # A package scope whose `callPackage` sees the scope's own packages.
  makeScope = newScope: f:
    let
      self = f self // {
        newScope = scope: newScope (self // scope);
        callPackage = self.newScope { };
        overrideScope = g: makeScope newScope (lib.extends g f);
        packages = f;
      };
    in
    self;
}
