# The images behind nix_compat_tests/test_docker_tools.py: the behaviours that
# nixpkgs' NixOS test `docker-tools` checks with a Docker daemon (tags, layer
# counts and order, Env inheritance, owners, dates, architecture, compressors,
# includeStorePaths, path literals in copyToRoot), as images that skopeo, umoci
# and a chroot can check without one.
#
#   pydock build examples/docker-tools.nix -A layered          # docker-archive tar
#   $(pydock build examples/docker-tools.nix -A nonRoot) > x.tar  # streamed image
#
# `report` is a `#!/bin/sh` script; pass `--arg shell ./dir` with a shell at
# `bin/sh` and the libraries it loads at their absolute paths (the tests copy
# the host's dash there) to make the images runnable.
{ pkgs ? import <nixpkgs> { }
, shell ? null
}:
let
  inherit (pkgs) dockerTools lib;
  hostShell = lib.optional (shell != null) (builtins.path { path = shell; name = "host-shell"; });

  # Plain values the tests read back (with real Nix) to know what went in.
  inputs = {
    parentEnv = [ "FROM_PARENT=true" "LAST_LAYER=parent" ];
    childEnv = [ "FROM_CHILD=true" "LAST_LAYER=child" ];
    # Not UTC on purpose: the layered builders normalise it, buildImage keeps it.
    created = "2001-02-03T05:06:07+01:00";
    mtime = "2002-03-04T05:06:07Z";
    imageCreated = "2003-04-05T06:07:08+02:00";
  };

  # A program whose closure has two store paths: the script and its motto.
  motto = pkgs.writeText "docker-tools-motto" "layers all the way down\n";
  report = pkgs.writeScriptBin "report" ''
    #!/bin/sh
    read -r line < ${motto}
    echo "motto=$line"
    echo "cwd=$(pwd)"
    echo "args=$*"
    export -p
  '';
  # A second program for the bulk layer (its closure: script + data file).
  extraData = pkgs.writeText "docker-tools-extra" "extra\n";
  extra = pkgs.writeScriptBin "extra" ''
    #!/bin/sh
    read -r line < ${extraData}
    echo "$line"
  '';
  reportRoot = pkgs.buildEnv { name = "report-root"; paths = [ report ]; pathsToLink = [ "/bin" ]; };

  layeredArgs = {
    name = "docker-tools/layered";
    tag = "v1";
    contents = [ report ] ++ hostShell;
    config = {
      Cmd = [ "/bin/report" ];
      Env = inputs.parentEnv;
      WorkingDir = "/srv";
    };
    extraCommands = ''
      mkdir -p srv tmp
      chmod 1777 tmp
    '';
  };
  plainImageArgs = {
    name = "docker-tools/plain-image";
    tag = "v1";
    copyToRoot = [ reportRoot ];
    config.Cmd = [ "/bin/report" ];
  };

  # Three buildImage layers on top of each other, each overwriting files of the ones below.
  order1 = dockerTools.buildImage {
    name = "docker-tools/order1";
    tag = "v1";
    copyToRoot = hostShell;
    extraCommands = ''
      mkdir -p tmp
      echo layer1 > tmp/layer1
      echo layer1 > tmp/layer2
      echo layer1 > tmp/layer3
    '';
    compressor = "none";
  };
  order2 = dockerTools.buildImage {
    name = "docker-tools/order2";
    tag = "v1";
    fromImage = order1;
    extraCommands = ''
      mkdir -p tmp
      echo layer2 > tmp/layer2
      echo layer2 > tmp/layer3
    '';
    compressor = "none";
  };

  # A directory symlink (`data -> real-data`) that keepContentsDirlinks keeps.
  dirlinkBase = pkgs.runCommand "dirlink-base" { } ''
    mkdir -p $out/real-data
    ln -s real-data $out/data
  '';
in
rec {
  inherit inputs hostShell report extra motto extraData reportRoot dirlinkBase order1 order2;

  # Layering and tags.
  layered = dockerTools.buildLayeredImage (layeredArgs // { compressor = "none"; });
  layeredGz = dockerTools.buildLayeredImage layeredArgs; # the default compressor
  layeredZstd = dockerTools.buildLayeredImage (layeredArgs // { compressor = "zstd"; });
  twoLayers = dockerTools.buildLayeredImage {
    name = "docker-tools/two-layers";
    tag = "v1";
    contents = [ report ] ++ hostShell;
    config.Cmd = [ "/bin/report" ];
    maxLayers = 2;
    compressor = "none";
  };
  bulkOnTop = dockerTools.buildLayeredImage {
    name = "docker-tools/bulk-on-top";
    tag = "v1";
    fromImage = twoLayers;
    contents = [ extra ];
    maxLayers = 4;
    compressor = "none";
  };
  layeredNoTag = dockerTools.buildLayeredImage {
    name = "docker-tools/layered-no-tag";
    contents = [ report ] ++ hostShell;
    compressor = "none";
  };
  streamNoTag = dockerTools.streamLayeredImage {
    name = "Docker-Tools/Stream-No-Tag";
    contents = [ report ];
  };
  imageNoTag = dockerTools.buildImage {
    name = "Docker-Tools/Image-No-Tag";
    copyToRoot = [ reportRoot ];
    compressor = "none";
  };

  # Env of images built on images.
  envParent = dockerTools.buildImage {
    name = "docker-tools/env-parent";
    tag = "v1";
    copyToRoot = [ reportRoot ] ++ hostShell;
    config.Env = inputs.parentEnv;
    compressor = "none";
  };
  envChild = dockerTools.buildImage {
    name = "docker-tools/env-child";
    tag = "v1";
    fromImage = envParent;
    extraCommands = "mkdir -p work";
    config = {
      Env = inputs.childEnv;
      Cmd = [ "/bin/report" ];
      WorkingDir = "/work";
    };
    compressor = "none";
  };
  layeredOnLayered = dockerTools.buildLayeredImage {
    name = "docker-tools/layered-on-layered";
    tag = "v1";
    fromImage = layered;
    config = {
      Env = inputs.childEnv;
      Cmd = [ "/bin/report" "on" "layered" ];
      WorkingDir = "/tmp";
    };
    compressor = "none";
  };
  imageOnLayered = dockerTools.buildImage {
    name = "docker-tools/image-on-layered";
    tag = "v1";
    fromImage = layered;
    extraCommands = ''
      mkdir example-output
      chmod 777 example-output
    '';
    config = {
      Env = inputs.childEnv;
      Entrypoint = [ "/bin/report" "from-entrypoint" ];
      Cmd = [ "from-cmd" ];
      WorkingDir = "/example-output";
    };
    compressor = "none";
  };
  layersOrder = dockerTools.buildImage {
    name = "docker-tools/layers-order";
    tag = "v1";
    fromImage = order2;
    extraCommands = ''
      mkdir -p tmp
      echo layer3 > tmp/layer3
    '';
    compressor = "none";
  };

  # Owners.
  nonRoot = dockerTools.streamLayeredImage {
    name = "docker-tools/non-root";
    tag = "latest";
    uid = 1000;
    gid = 1000;
    uname = "user";
    gname = "user";
    contents = [ report ];
    # Real files (not links into the store) naming uid/gid 1000 "user", so that `User = "user"`
    # resolves; umoci looks the name up without following the links inside the image.
    extraCommands = ''
      mkdir etc
      printf '%s\n' root:x:0:0::/root:/bin/sh user:x:1000:1000::/home/user:/bin/sh > etc/passwd
      printf '%s\n' root:x:0: user:x:1000: > etc/group
    '';
    config = {
      User = "user";
      Cmd = [ "/bin/report" ];
    };
  };
  fakeRoot = dockerTools.buildLayeredImage {
    name = "docker-tools/fake-root";
    tag = "v1";
    contents = [ report ] ++ hostShell;
    fakeRootCommands = ''
      mkdir -p ./home/alice
      chown 1000:1000 ./home/alice
      echo note > ./home/alice/note
      chown 1001:1002 ./home/alice/note
    '';
    compressor = "none";
  };

  # Dates.
  dated = dockerTools.buildLayeredImage {
    name = "docker-tools/dated";
    tag = "v1";
    contents = [ report ];
    inherit (inputs) created mtime;
    compressor = "none";
  };
  datedImage = dockerTools.buildImage (plainImageArgs // {
    name = "docker-tools/dated-image";
    created = inputs.imageCreated;
    compressor = "none";
  });
  nowLayered = dockerTools.buildLayeredImage {
    name = "docker-tools/now-layered";
    tag = "v1";
    contents = [ report ];
    created = "now";
    compressor = "none";
  };
  nowImage = dockerTools.buildImage (plainImageArgs // {
    name = "docker-tools/now-image";
    created = "now";
    compressor = "none";
  });

  # Architecture.
  armLayered = dockerTools.buildLayeredImage {
    name = "docker-tools/arm-layered";
    tag = "v1";
    architecture = "arm64";
    contents = [ report ];
    compressor = "none";
  };
  armImage = dockerTools.buildImage (plainImageArgs // {
    name = "docker-tools/arm-image";
    architecture = "arm64";
    compressor = "none";
  });

  # Compressors of buildImage (the layered ones are layered / layeredGz / layeredZstd).
  plainImage = dockerTools.buildImage (plainImageArgs // { compressor = "none"; });
  plainImageGz = dockerTools.buildImage plainImageArgs; # the default compressor
  plainImageZstd = dockerTools.buildImage (plainImageArgs // { compressor = "zstd"; });

  # includeStorePaths = false: the links into the store dangle unless the store is mounted.
  noStore = dockerTools.buildLayeredImage {
    name = "docker-tools/no-store";
    tag = "v1";
    contents = [ reportRoot ] ++ hostShell;
    config.Cmd = [ "/bin/report" ];
    includeStorePaths = false;
    compressor = "none";
  };

  # A path literal in copyToRoot / contents, and keepContentsDirlinks.
  withPath = dockerTools.buildImage {
    name = "docker-tools/with-path";
    tag = "v1";
    copyToRoot = [ dirlinkBase ./docker-tools-root ];
    keepContentsDirlinks = true;
    compressor = "none";
  };
  withPathNoDirlinks = withPath.override {
    name = "docker-tools/with-path-no-dirlinks";
    keepContentsDirlinks = false;
  };
  layeredWithPath = dockerTools.streamLayeredImage {
    name = "docker-tools/layered-with-path";
    tag = "v1";
    contents = [ ./docker-tools-root ];
  };
}
