# dockerTools' helpers: fakeNss, usrBinEnv, binSh, caCertificates, shadowSetup,
# mergeDrvs, shellScript, referencesByPopularity, mkPureLayer and mkRootLayer.
#
#   podman load < $(pydock build examples/docker-helpers.nix -A withHelpers)
#   podman run --rm example/helpers:v1               # prints the image's environment via /usr/bin/env
#   pydock build examples/docker-helpers.nix -A pureLayer -A rootLayer -A popularity -A script
#   PYDOCK_PACKAGES=packages.json.zst pydock build examples/docker-helpers.nix -A withShadow
#
# The helpers take coreutils, bash, cacert and shadow from the package set. With a
# package index (README "Packages") the real ones are used; without one, the
# overlay below puts small stand-ins in their place, made from the host's static
# busybox and bash (Debian packages busybox-static and bash-static), so that this
# file builds anywhere. `withShadow` needs the real `shadow` from an index.
{ nixpkgs ? <nixpkgs> }:
let
  pkgs = import nixpkgs { overlays = [ standIns ]; };
  standIns = self: super: {
    coreutils = super.coreutils or (super.runCommand "busybox-coreutils" { } ''
      mkdir -p $out/bin
      cp /bin/busybox $out/bin/busybox
      for tool in env cat echo ls mkdir; do ln -s busybox $out/bin/$tool; done
    '');
    bash = super.bash or (super.runCommand "static-bash" { } ''
      mkdir -p $out/bin
      cp /bin/bash-static $out/bin/bash
    '');
    cacert = super.cacert or (super.runCommand "no-cacert" { } ''
      mkdir -p $out/etc/ssl/certs
      echo "# a stand-in: no certificates" > $out/etc/ssl/certs/ca-bundle.crt
    '');
  };
  inherit (pkgs) dockerTools;
  # `sh` for the runAsRoot step below (it runs inside the layer's own root)
  shell = dockerTools.binSh.override { bash = pkgs.bash; };
  baseJson = pkgs.writeText "helpers-base.json" (builtins.toJSON { config.Cmd = [ "/usr/bin/env" ]; });
in
rec {
  # fakeNss: /etc/passwd and /etc/group with root and nobody (plus extra lines)
  nss = dockerTools.fakeNss.override { extraPasswdLines = [ "app:x:1000:1000:app:/var/empty:/bin/sh" ]; extraGroupLines = [ "app:x:1000:" ]; };

  # mergeDrvs: several directories copied into one (as in nixpkgs, two inputs must not
  # share a directory: the first one's copy is read-only, like the store it came from)
  merged = dockerTools.mergeDrvs { derivations = [ dockerTools.usrBinEnv dockerTools.caCertificates ]; };

  # A layered image made of the helpers: `docker run` prints its environment
  withHelpers = dockerTools.buildLayeredImage {
    name = "example/helpers";
    tag = "v1";
    contents = [ nss merged shell ];
    config = { Cmd = [ "/usr/bin/env" ]; User = "app"; Env = [ "GREETING=hello from the helpers" ]; };
    compressor = "none";
  };

  # referencesByPopularity: the closure of a path, most referenced first
  popularity = dockerTools.referencesByPopularity withHelpers.stream.conf;

  # shellScript: an executable script with coreutils on PATH and `set -e`
  script = dockerTools.shellScript "hello.sh" ''
    echo "hello from shellScript"
  '';

  # mkPureLayer: a layer directory (layer.tar, json, VERSION) without root steps
  pureLayer = dockerTools.mkPureLayer {
    name = "helpers-pure";
    inherit baseJson;
    copyToRoot = [ dockerTools.usrBinEnv ];
    extraCommands = "mkdir -p tmp && chmod 1777 tmp";
  };

  # mkRootLayer: a layer whose runAsRoot script runs as root inside the layer's root
  rootLayer = dockerTools.mkRootLayer {
    name = "helpers-root";
    inherit baseJson;
    copyToRoot = [ shell pkgs.coreutils ];  # the script runs with the layer's own tools
    runAsRoot = ''
      mkdir -p /data
      echo "written by runAsRoot" > /data/note
    '';
  };

  # shadowSetup: shadow's tools and a minimal /etc for runAsRoot (needs a package index)
  withShadow = dockerTools.buildImage {
    name = "example/shadow";
    tag = "v1";
    copyToRoot = [ shell ];
    runAsRoot = ''
      ${dockerTools.shadowSetup}
      groupadd -r app
      useradd -r -g app app
    '';
  };
}
