# pydock's own `lib`: the subset of nixpkgs' lib that dockerTools files and
# their helpers use, with the same names and results. Each file is
# `{ lib }: { … }`; `lib` is the fixed point of all of them, so files may use
# each other's functions through it.
let
  lib =
    let
      call = file: import file { inherit lib; };
      trivial = call ./trivial.nix;
      lists = call ./lists.nix;
      strings = call ./strings.nix;
      attrsets = call ./attrsets.nix;
      meta = call ./meta.nix;
      customisation = call ./customisation.nix;
      fixedPoints = call ./fixed-points.nix;
      asserts = call ./asserts.nix;
      sources = call ./sources.nix;
      versions = call ./versions.nix;
      # Names nixpkgs keeps only inside their sub-set (`lib.strings.escapeNixString`, …):
      # offering them at the top would let a file work here and fail with nixpkgs.
      subsetOnly = [
        "defaultPriority" "escapeNixIdentifier" "escapeNixString" "findFirstIndex"
        "isConvertibleWithToString" "storeDir" "unionOfDisjoint"
      ];
    in
    # Later sets win on a name clash (`replicate` is the list version, as in nixpkgs).
    removeAttrs (asserts // trivial // fixedPoints // attrsets // strings // lists // meta // customisation // sources) subsetOnly // {
      inherit trivial lists strings attrsets meta customisation fixedPoints asserts sources versions;
      inherit (versions) splitVersion;
      licenses = call ./licenses.nix;
      platforms = call ./platforms.nix;
      fetchers = call ./fetchers.nix;
      # Maintainer and team handles are never needed to build; only an empty set is offered.
      maintainers = { };
      teams = { };

      inherit (builtins)
        add sub mul div lessThan addErrorContext trace tryEval pathExists typeOf
        isInt isBool isFloat isPath isList isString isAttrs
        hasAttr getAttr genericClosure hashString baseNameOf dirOf
        ;

      # Placeholders nixpkgs users put where a hash is not known yet.
      fakeHash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
      fakeSha256 = "0000000000000000000000000000000000000000000000000000000000000000";
      fakeSha512 = "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000";
    };
in
lib
