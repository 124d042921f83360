# The Nix database of images built with `includeNixDB = true` (nixpkgs'
# `mkDbExtraCommand`), written for pydock. nixpkgs loads the registration of
# `closureInfo { rootPaths = contents; }` with `nix-store --load-db` into a
# store rooted in the customisation layer and sets every registration time to
# `$SOURCE_DATE_EPOCH`; pydock's builtin builder `docker-nix-db`
# (pydock/builders/images/docker_nixdb.py) writes that database from the same closure,
# and the script below copies it into the layer and adds the
# `nix/var/nix/gcroots/docker/<name>` links to the contents, as nixpkgs does.
{ lib, pkgs }:
let
  toList = contents: if builtins.isList contents then contents else [ contents ];

  # `$out/nix/var/nix/db/{db.sqlite,schema}` registering the closure of `contents`.
  nixDb = contents: pkgs.builtinDerivation {
    name = "nix-db";
    builder = "docker-nix-db";
    __structuredAttrs = true;
    exportReferencesGraph.closure = toList contents;
    # nixpkgs' stdenv SOURCE_DATE_EPOCH (1980-01-01T00:00:00Z).
    registrationTime = 315532800;
    preferLocalBuild = true;
  };

  # A shell snippet run in the root of the layer being built.
  mkDbExtraCommand = contents:
    let contentsList = toList contents; in
    ''
      echo "Generating the nix database..."
      mkdir -p nix/var/nix
      cp -R ${nixDb contentsList}/nix/var/nix/. nix/var/nix/
      chmod -R u+w nix/var/nix
      mkdir -p nix/var/nix/gcroots/docker/
      for i in ${lib.concatStringsSep " " (map (p: "${p}") contentsList)}; do
        ln -s "$i" "nix/var/nix/gcroots/docker/$(basename "$i")"
      done
    '';
in
{
  inherit nixDb mkDbExtraCommand;
}
