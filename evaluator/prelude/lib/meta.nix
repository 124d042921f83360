# Package metadata helpers: main programs, names, priorities, licenses.
{ lib }:
rec {
  defaultPriority = 5;

  addMetaAttrs = newAttrs: drv: drv // { meta = (drv.meta or { }) // newAttrs; };
  setPrio = priority: addMetaAttrs { inherit priority; };
  lowPrio = setPrio 10;
  hiPrio = setPrio (-10);
  dontDistribute = drv: addMetaAttrs { hydraPlatforms = [ ]; } drv;

  setName = name: drv: drv // { inherit name; };
  updateName = f: drv: drv // { name = f drv.name; };
  appendToName = suffix: updateName (name:
    let p = builtins.parseDrvName name; in "${p.name}-${suffix}-${p.version}");

  # `<bin output>/bin/<meta.mainProgram>`; without mainProgram, the package name
  # is assumed (with a warning, as in nixpkgs).
  getExe = x:
    getExe' x (
      x.meta.mainProgram or (lib.warn
        "getExe: package ${lib.strings.escapeNixIdentifier (x.meta.name or x.pname or x.name)} has no meta.mainProgram; assuming '${lib.getName x}'. Set meta.mainProgram, or use getExe' to name the program."
        lib.getName x)
    );
  getExe' = x: y:
    assert lib.assertMsg (lib.isDerivation x)
      "lib.meta.getExe': The first argument is of type ${builtins.typeOf x}, but it should be a derivation instead.";
    assert lib.assertMsg (builtins.isString y)
      "lib.meta.getExe': The second argument is of type ${builtins.typeOf y}, but it should be a string instead.";
    assert lib.assertMsg (!lib.hasInfix "/" y)
      "lib.meta.getExe': The second argument \"${y}\" is a nested path with a \"/\" character, but it should just be the name of the executable instead.";
    "${lib.getBin x}/bin/${y}";

  getLicenseFromSpdxIdOr = id: default:
    let byId = lib.mapAttrs' (_: l: lib.nameValuePair (lib.toLower (l.spdxId or "")) l) lib.licenses; in
    byId.${lib.toLower id} or default;
  getLicenseFromSpdxId = id:
    getLicenseFromSpdxIdOr id (lib.warn "getLicenseFromSpdxId: No license with the given SPDX ID found: ${id}" { shortName = id; spdxId = id; });
}
