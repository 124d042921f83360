# Whole image archives: dockerTools.pullImage (from a registry), exportImage
# (an image's flattened root file system) and mergeImages (several images in
# one archive). Nothing here needs a package index.
#
# exportImage and mergeImages work offline:
#
#   tar -tvf $(pydock build examples/docker-archives.nix -A exported)   # one tar, layers applied
#   podman load < $(pydock build examples/docker-archives.nix -A merged) # loads example/app:v1 and example/app:v2
#
# pullImage needs the image's digest and hash: `pydock prefetch-docker` prints
# them (it pulls the image once, into the store, so the build after it is done):
#
#   pydock prefetch-docker nixos/nix:2.3.6 --json
#   pydock build examples/docker-archives.nix -A pulled \
#     --argstr imageName nixos/nix --argstr imageDigest sha256:… --argstr hash sha256-…
#
# For a registry on this machine without TLS (e.g. Debian's docker-registry on
# 127.0.0.1:5000), add `--tls-verify=false` to prefetch-docker and
# `--arg tlsVerify false` to the build. Credentials come from
# $REGISTRY_AUTH_FILE, containers' auth.json or ~/.docker/config.json,
# including credential helpers (credHelpers, credsStore).
{ pkgs ? import <nixpkgs> { }
, imageName ? "nixos/nix"
, imageDigest ? null
, hash ? null
, tlsVerify ? true
}:
let
  inherit (pkgs) dockerTools writeTextDir;

  # Two images, the second on top of the first: it replaces a file and adds one.
  v1 = dockerTools.buildImage {
    name = "example/app";
    tag = "v1";
    copyToRoot = [ (writeTextDir "etc/version" "1\n") (writeTextDir "etc/motd" "welcome\n") ];
    config.Cmd = [ "/bin/app" ];
    compressor = "none";
  };
  v2 = dockerTools.buildImage {
    name = "example/app";
    tag = "v2";
    fromImage = v1;
    copyToRoot = [ (writeTextDir "etc/version" "2\n") (writeTextDir "etc/changes" "a new file\n") ];
    compressor = "gz";
  };
in
{
  inherit v1 v2;

  # The root file system v2 shows a container: etc/version = 2, etc/motd, etc/changes.
  exported = dockerTools.exportImage { fromImage = v2; name = "app-v2-root.tar"; };

  # One archive, both tags: a single `podman load` (or `docker load`) gets both images.
  merged = dockerTools.mergeImages [ v1 v2 ];

  # An image from a registry, byte for byte what nixpkgs' skopeo-based pullImage writes.
  pulled =
    assert pkgs.lib.assertMsg (imageDigest != null && hash != null)
      "examples/docker-archives.nix: pass --argstr imageDigest … --argstr hash … (pydock prefetch-docker prints them)";
    dockerTools.pullImage {
      inherit imageName imageDigest hash tlsVerify;
      finalImageName = "pulled";
      finalImageTag = "latest";
    };
}
