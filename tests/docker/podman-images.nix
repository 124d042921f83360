# Images for the podman client tests: every dockerTools builder that writes an archive.
{ pkgs ? import <nixpkgs> { } }:
let
  inherit (pkgs) dockerTools writeTextDir;
  common = {
    contents = [ (writeTextDir "etc/hello" "hi\n") (writeTextDir "share/doc/readme" "read me\n") ];
    config = { Cmd = [ "/bin/hello" "--loud" ]; Env = [ "A=1" "B=two words" ]; };
  };
  layered = compressor: dockerTools.buildLayeredImage (common // { name = "podman/layered-${compressor}"; tag = "v1"; inherit compressor; });
  built = dockerTools.buildImage {
    name = "podman/build-image";
    tag = "v1";
    copyToRoot = writeTextDir "etc/built" "built\n";
    config = { Cmd = [ "/bin/sh" "-c" "true" ]; Env = [ "C=3" ]; };
  };
in
{
  stream = dockerTools.streamLayeredImage (common // { name = "podman/stream"; tag = "v1"; });
  layeredNone = layered "none";
  layeredGz = layered "gz";
  layeredZstd = layered "zstd";
  buildImage = built;
  merged = dockerTools.mergeImages [ built (layered "zstd") ];
}
