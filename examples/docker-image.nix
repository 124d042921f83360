# Single-layer "docker save" images with pydock's dockerTools.buildImage.
#
#   podman load < $(pydock build examples/docker-image.nix -A base)
#
# `runAsRoot` runs in a chroot of the image, so it needs a shell there: pass
# `--arg shell ./dir` with `bin/sh` and the libraries it loads (the tests use
# the host's dash); without it only the images without runAsRoot build.
{ pkgs ? import <nixpkgs> { }
, shell ? null
}:
let
  inherit (pkgs) dockerTools;
  shellContents = pkgs.lib.optional (shell != null) (builtins.path { path = shell; name = "host-shell"; });
  hello = pkgs.writeScriptBin "hello" "#!/bin/sh\necho Hello from buildImage\n";
  root = pkgs.buildEnv { name = "image-root"; paths = [ hello ]; pathsToLink = [ "/bin" ]; };
in
rec {
  base = dockerTools.buildImage {
    name = "example/base";
    tag = "v1";
    copyToRoot = [ root ] ++ shellContents;
    config = { Cmd = [ "/bin/hello" ]; Env = [ "FROM_PARENT=true" "LAST_LAYER=parent" ]; };
    extraCommands = "mkdir -p tmp etc; chmod 1777 tmp; echo obsolete > etc/obsolete";
    compressor = "none";
  };
  child = dockerTools.buildImage {
    name = "Example/Child";
    fromImage = base;
    config.Env = [ "FROM_CHILD=true" "LAST_LAYER=child" ];
    # Runs with the image's own tools (the tests put dash, rm, mkdir and chown there).
    runAsRoot = ''
      echo root > /root-owned
      : > /example-file
      if command -v chown > /dev/null; then
        mkdir -p /home/alice
        chown 1000:1000 /home/alice
        rm /etc/obsolete
      fi
    '';
    compressor = "none";
  };
  gz = base.override { compressor = "gz"; };
  zstd = base.override { compressor = "zstd"; };
}
