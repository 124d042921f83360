# A derivation realised by one of pydock's builtin builders, Python functions
# in pydock/builders registered for `builtin:pydock-<builder>` (the way Nix
# itself has `builtin:fetchurl`). Its system is "builtin", so it builds on any
# machine. `meta` and `passthru` stay out of the derivation, as with mkDerivation.
{ lib }:
args@{ name, builder, meta ? { }, passthru ? { }, ... }:
lib.extendDerivation true ({ inherit meta passthru; } // passthru) (derivation (
  removeAttrs args [ "meta" "passthru" ] // {
    builder = "builtin:pydock-${builder}";
    system = "builtin";
  }
))
