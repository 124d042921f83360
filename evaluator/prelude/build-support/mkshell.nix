# mkShell: a derivation meant for `nix-shell` (and dockerTools' nix-shell
# images), with nixpkgs' parameters and attributes, written for pydock.
#
# `packages` go first into nativeBuildInputs; `inputsFrom` contributes the
# inputs of the derivations it names (never those derivations themselves)
# and their shellHooks, which run before this shell's own. Other attributes
# pass through to `stdenv.mkDerivation` and so become variables of the shell.
# Building it records the environment in $out, which keeps the inputs alive.
{ lib, stdenv }:
{ name ? "nix-shell"
, packages ? [ ]
, inputsFrom ? [ ]
, buildInputs ? [ ]
, nativeBuildInputs ? [ ]
, propagatedBuildInputs ? [ ]
, propagatedNativeBuildInputs ? [ ]
, ...
}@attrs:
let
  inputsOf = kind:
    (attrs.${kind} or [ ])
    ++ lib.subtractLists inputsFrom (lib.flatten (lib.catAttrs kind inputsFrom));

  hooks = lib.catAttrs "shellHook" (lib.reverseList inputsFrom ++ [ attrs ]);

  passedOn = removeAttrs attrs [
    "name" "packages" "inputsFrom" "shellHook"
    "buildInputs" "nativeBuildInputs" "propagatedBuildInputs" "propagatedNativeBuildInputs"
  ];
in
stdenv.mkDerivation ({
  inherit name;
  buildInputs = inputsOf "buildInputs";
  nativeBuildInputs = packages ++ inputsOf "nativeBuildInputs";
  propagatedBuildInputs = inputsOf "propagatedBuildInputs";
  propagatedNativeBuildInputs = inputsOf "propagatedNativeBuildInputs";
  shellHook = lib.concatStringsSep "\n" hooks;
  phases = [ "buildPhase" ];
  # The output only lists the environment: its references keep the inputs alive.
  buildPhase = ''
    {
      echo "# pkgs.mkShell's environment; this path is an implementation detail, not a package."
      export
    } >> "$out"
  '';
  preferLocalBuild = true;
} // passedOn)
