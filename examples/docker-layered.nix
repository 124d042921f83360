# Layered images with pydock's dockerTools.
#
#   $(pydock build examples/docker-layered.nix -A stream) | podman load   # streamLayeredImage
#   podman load < $(pydock build examples/docker-layered.nix -A layered)  # buildLayeredImage (.tar.gz)
#
# The script in the image is `#!/bin/sh`; pass `--arg shell ./dir` with a directory
# holding a shell at `bin/sh` and the libraries it loads at their absolute paths
# (`lib64/ld-linux-x86-64.so.2`, …) to make the images runnable (the tests use the
# host's dash). Without it the images still build and load. `examples/quickstart.nix`
# shows the other way: `pkgs.pydockHostShell` in `contents`.
{ pkgs ? import <nixpkgs> { }
, shell ? null
}:
let
  inherit (pkgs) dockerTools;
  shellContents = pkgs.lib.optional (shell != null) (builtins.path { path = shell; name = "host-shell"; });

  greeting = pkgs.writeText "greeting" "Hello from a layered image\n";
  hello = pkgs.writeScriptBin "hello" ''
    #!/bin/sh
    read -r line < ${greeting}
    echo "$line ($GREETING in $PWD)"
  '';

  common = {
    name = "example/hello";
    tag = "v1";
    contents = [ hello ] ++ shellContents;
    config = {
      Cmd = [ "/bin/hello" ];
      Env = [ "GREETING=pydock" "PATH=/bin" ];
      WorkingDir = "/data";
    };
    extraCommands = ''
      mkdir -p data tmp
      chmod 1777 tmp
      echo built > data/stamp
    '';
  };
in
{
  inherit hello;
  stream = dockerTools.streamLayeredImage common;
  layered = dockerTools.buildLayeredImage common;
  layeredUncompressed = dockerTools.buildLayeredImage (common // { compressor = "none"; });
  layeredZstd = dockerTools.buildLayeredImage (common // { compressor = "zstd"; });
  twoLayers = dockerTools.buildLayeredImage (common // { name = "two-layers"; maxLayers = 2; compressor = "none"; });
  untagged = dockerTools.streamLayeredImage { name = "Example/Untagged"; contents = hello; };
  noStorePaths = dockerTools.buildLayeredImage (common // {
    name = "no-store-paths";
    includeStorePaths = false;
    compressor = "none";
  });
  fakeRoot = dockerTools.buildLayeredImage (common // {
    name = "fake-root";
    compressor = "none";
    fakeRootCommands = ''
      mkdir -p home/alice
      chown 1000:1000 home/alice
    '';
  });
  # fakeRootCommands see the layer as `/` (nixpkgs runs them under proot; pydock
  # chroots into the layer in user namespaces) and fakeroot records the chown.
  viaFakechroot = dockerTools.buildLayeredImage {
    name = "via-fakechroot";
    tag = "latest";
    contents = shellContents;
    enableFakechroot = true;
    compressor = "none";
    fakeRootCommands = ''
      mkdir -p /opt/app
      ln -s ${hello}/bin/hello /opt/app/hello
      touch /testfile
      chown 12345:12345 /testfile
      id -u > /uid-in-commands
    '';
    config = {
      Cmd = [ "/opt/app/hello" ];
      Env = [ "GREETING=fakechroot" ];
      WorkingDir = "/opt";
    };
  };
  onTop = dockerTools.buildLayeredImage {
    name = "on-top";
    tag = "v2";
    fromImage = dockerTools.buildLayeredImage (common // { name = "base"; });
    config.Env = [ "GREETING=on-top" ];
    maxLayers = 10;
    compressor = "none";
  };
}
