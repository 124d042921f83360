# Source images for the registry tests, built by pydock (uncompressed, so skopeo reads them).
{ pkgs ? import <nixpkgs> { } }:
let
  inherit (pkgs) dockerTools writeTextDir;
  image = arch: dockerTools.buildLayeredImage {
    name = "multi";
    tag = arch;
    architecture = arch;
    compressor = "none";
    contents = [ (writeTextDir "etc/arch" "${arch}\n") ];
    config.Cmd = [ "/bin/true" ];
  };
in
{
  hello = dockerTools.buildLayeredImage {
    name = "example/hello";
    tag = "v1";
    compressor = "none";
    maxLayers = 3;
    contents = [ (writeTextDir "share/greeting" "hello <&> registry\n") (writeTextDir "etc/motd" "motd\n") ];
    config = { Cmd = [ "/bin/hello" ]; Env = [ "GREETING=pydock" ]; Labels."a&b" = "<x>"; };
  };
  amd64 = image "amd64";
  arm64 = image "arm64";
}
