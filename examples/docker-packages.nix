# An image made of packages from a package index (README: Packages): its own
# shell (dockerTools.binSh -> bashInteractive), busybox, and a script run by
# the index's bash, so its Cmd runs anywhere, with nothing from the host.
#
#   pydock index --nixpkgs ~/src/nixpkgs -A bash -A bashInteractive -A busybox -o index.json
#   podman load < $(pydock build --packages index.json examples/docker-packages.nix -A layered)
{ pkgs ? import <nixpkgs> { } }:
let
  inherit (pkgs) dockerTools;
  greet = pkgs.writeShellScriptBin "greet" ''
    echo "hello from $BASH with $(busybox basename "$0")"
  '';
  common = {
    name = "from-index";
    tag = "v1";
    contents = [ dockerTools.binSh pkgs.busybox greet ];
    config.Cmd = [ "/bin/greet" ];
    config.Env = [ "PATH=/bin" ];
  };
in
{
  layered = dockerTools.buildLayeredImage (common // { compressor = "none"; });
  stream = dockerTools.streamLayeredImage common;
}
