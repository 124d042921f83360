# dockerTools' lower-level helpers: mergeDrvs, shellScript, mkPureLayer and
# mkRootLayer, with nixpkgs' parameters and output layouts, written for pydock.
# The layers reuse buildImage's layer steps (build-image.nix); a builtin builder
# (builders/images/docker_layer_json.py) adds nixpkgs' `json` (baseJson plus the tarsum
# `checksum`) and `VERSION` beside `layer.tar`.
{ lib, pkgs, layers }:
let
  inherit (pkgs) builtinDerivation runCommand writeScript runtimeShell;

  withLayerJson = name: baseJson: layer: builtinDerivation {
    name = "docker-layer-${name}";
    builder = "docker-layer-json";
    inherit baseJson layer;
  };
in
{
  # Directories copied together into one (later files overwrite earlier ones),
  # or, with onlyDeps, a file naming them. As in nixpkgs, inputs that are not
  # directories add nothing.
  mergeDrvs = { derivations, onlyDeps ? false }:
    runCommand "merge-drvs" { inherit derivations onlyDeps; } ''
      if [[ -n "$onlyDeps" ]]; then
        echo $derivations > $out
        exit 0
      fi
      mkdir $out
      for derivation in $derivations; do
        echo "Merging $derivation..."
        if [[ -d "$derivation" ]]; then
          cp -drf --preserve=mode -f "$derivation"/* "$out"/
        else
          echo "skipping $derivation: not a directory" >&2
        fi
      done
    '';

  # An executable script with coreutils (and /bin) on PATH that stops at the first error.
  shellScript = name: text:
    let
      coreutils = pkgs.coreutils or (throw (
        "dockerTools.shellScript needs the package 'coreutils', which pydock's <nixpkgs> does not provide; "
        + "add it to the package set with an overlay"));
    in
    writeScript name ''
      #!${runtimeShell}
      set -e
      export PATH=${coreutils}/bin:/bin
      ${text}
    '';

  mkPureLayer = { name, baseJson, copyToRoot ? null, keepContentsDirlinks ? false, extraCommands ? "", uid ? 0, gid ? 0 }:
    withLayerJson name baseJson (layers.mkPureLayer {
      baseName = "${name}-tar";
      copyToRoot = if copyToRoot == null then [ ] else copyToRoot;
      inherit keepContentsDirlinks extraCommands uid gid;
    });

  mkRootLayer =
    { name, runAsRoot, copyToRoot ? null, keepContentsDirlinks ? false, baseJson, fromImage ? null
    , fromImageName ? null, fromImageTag ? null, diskSize ? 1024, buildVMMemorySize ? 512, extraCommands ? "" }:
    withLayerJson name baseJson (layers.mkRootLayer {
      baseName = "${name}-tar";
      copyToRoot = if copyToRoot == null then [ ] else copyToRoot;
      inherit runAsRoot keepContentsDirlinks fromImage fromImageName fromImageTag extraCommands;
    });
}
