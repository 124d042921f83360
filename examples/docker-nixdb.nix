# Images that carry a Nix database, and dockerTools' small helpers.
#
#   podman load < $(pydock build examples/docker-nixdb.nix -A withNixDb)
#
# `withNixDb`'s /nix/var/nix/db registers the image's store paths, so Nix inside
# the container (or `nix-store --store local?root=<unpacked rootfs>`) knows them.
{ pkgs ? import <nixpkgs> { } }:
let
  inherit (pkgs) dockerTools;
  greeting = pkgs.writeText "greeting" "Hello from an image with a Nix database\n";
  hello = pkgs.writeScriptBin "hello" ''
    #!/bin/sh
    read -r line < ${greeting}
    echo "$line"
  '';
in
{
  inherit hello;
  withNixDb = dockerTools.buildLayeredImageWithNixDb {
    name = "with-nix-db";
    tag = "v1";
    contents = [ hello ];
    config.Cmd = [ "/bin/hello" ];
    compressor = "none";
  };
  streamWithNixDb = dockerTools.streamLayeredImage {
    name = "stream-with-nix-db";
    tag = "v1";
    contents = hello;
    includeNixDB = true;
  };
  # buildImage's variant: copyToRoot is copied into the single layer, its closure
  # appended as store paths and registered in the database.
  imageWithNixDb = dockerTools.buildImageWithNixDb {
    name = "image-with-nix-db";
    tag = "v1";
    copyToRoot = [ hello ];
    config.Cmd = [ "/bin/hello" ];
    compressor = "none";
  };
  # What nixpkgs feeds to `nix-store --load-db` for the same contents.
  registration = pkgs.closureInfo { rootPaths = [ hello ]; };

  fakeNss = dockerTools.fakeNss;
  fakeNssAlice = dockerTools.fakeNss.override {
    extraPasswdLines = [ "alice:x:1000:1000:Alice:/home/alice:/bin/sh" ];
    extraGroupLines = [ "alice:x:1000:" ];
  };
  withFakeNss = dockerTools.buildLayeredImage {
    name = "with-fake-nss";
    tag = "v1";
    contents = [ dockerTools.fakeNss hello ];
    compressor = "none";
  };
  popularity = dockerTools.referencesByPopularity hello;
}
