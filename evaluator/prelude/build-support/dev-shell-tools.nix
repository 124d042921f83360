# devShellTools: the environment a builder of a derivation sees, computed in
# Nix from the derivation's attributes, as nixpkgs' devShellTools offers it
# (used by dockerTools' nix-shell images). Written for pydock with nixpkgs'
# function names, arguments and results.
#
# Nix turns each attribute into a string when it writes the .drv file:
# strings stay, paths are copied into the store, `true`/`false` become "1"/"",
# `null` becomes "", derivations become their out path and lists become their
# elements' strings joined by spaces. `valueToString` does the same in Nix
# code; the one difference it keeps from Nix (as nixpkgs' does) is that an
# empty nested list still adds its separating space.
{ lib, writeText }:
rec {
  valueToString = value:
    let type = builtins.typeOf value; in
    # Interpolation, unlike toString, copies a path literal into the store.
    if type == "path" then "${value}"
    else if type == "list" then toString (map valueToString value)
    else toString value;

  # The variables of a derivation without structured attributes. `args` is
  # not a variable (it is the builder's argv); a `passAsFile` attribute
  # arrives as `<name>Path`, a file holding its value (here a store file).
  unstructuredDerivationInputEnv = { drvAttrs }:
    let
      fileNames = drvAttrs.passAsFile or [ ];
      variable = name: value:
        let text = valueToString value; in
        if builtins.elem name fileNames
        then lib.nameValuePair "${name}Path" "${writeText "shell-passAsFile-${name}" text}"
        else lib.nameValuePair name text;
    in
    lib.mapAttrs' variable (removeAttrs drvAttrs [ "args" ]);

  # One variable per output, naming the store path it will be built at
  # (without the string context: the outputs need not exist).
  derivationOutputEnv = { outputList, outputMap }:
    lib.genAttrs outputList (output: builtins.unsafeDiscardStringContext outputMap.${output}.outPath);
}
