# dockerTools' functions that take or make whole image archives: pullImage,
# exportImage and mergeImages, written for pydock with nixpkgs' parameters,
# defaults and output names. The work is done by builtin builders
# (builders/images/docker_pull.py, docker_export.py, docker_merge.py).
{ lib, pkgs, defaultArchitecture }:
let
  inherit (pkgs) builtinDerivation;
  fixName = builtins.replaceStrings [ "/" ":" ] [ "-" "-" ];
in
{
  # A fixed-output derivation: its out path follows from `name` and the hash
  # alone, exactly as for nixpkgs' skopeo-based pullImage.
  pullImage = lib.fetchers.withNormalizedHash { } (
    { imageName
    , imageDigest
    , outputHash
    , outputHashAlgo
    , os ? "linux"
    , arch ? defaultArchitecture
    , variant ? ""
    , finalImageName ? imageName
    , finalImageTag ? "latest"
    , tlsVerify ? true
    , name ? fixName "docker-image-${finalImageName}-${finalImageTag}.tar"
    }:
    builtinDerivation {
      inherit name imageDigest outputHash outputHashAlgo os arch variant tlsVerify;
      builder = "docker-pull-image";
      imageName = finalImageName;
      imageTag = finalImageTag;
      outputHashMode = "flat";
      impureEnvVars = lib.fetchers.proxyImpureEnvVars;
      sourceURL = "docker://${imageName}@${imageDigest}";
      destNameTag = "${finalImageName}:${finalImageTag}";
      preferLocalBuild = true;
    });

  # The image's root file system as one tar (diskSize is for nixpkgs' VM and unused).
  exportImage = { name ? fromImage.name, fromImage, fromImageName ? null, fromImageTag ? null, diskSize ? 1024 }:
    builtinDerivation {
      inherit name fromImage fromImageName fromImageTag;
      builder = "docker-export-image";
    };

  mergeImages = images:
    builtinDerivation {
      name = "merge-docker-images";
      builder = "docker-merge-images";
      inherit images;
    };
}
