# dockerTools for pydock's `<nixpkgs>` (first slice: streamLayeredImage and
# buildLayeredImage), written for pydock. Parameters, defaults, error messages
# and the derivation graph follow nixpkgs' documented behaviour so that
# `imageTag`, `conf`, `streamScript` and the image bytes come out the same;
# the steps nixpkgs does with python/jq scripts are pydock builtin builders
# (builders/images/docker_*.py) instead.
#
# Wired into the package set as `dockerTools = import ./docker { inherit lib; pkgs = self; };`.
{ lib, pkgs }:
let
  inherit (pkgs) builtinDerivation symlinkJoin writeText;
  nixdb = import ./nixdb.nix { inherit lib pkgs; };
  helpers = import ./helpers.nix { inherit lib pkgs; };

  # Go's name for the host CPU, what `docker inspect .Architecture` shows.
  goArch = cpu: {
    x86_64 = "amd64";
    aarch64 = "arm64";
    i686 = "386";
    i386 = "386";
    armv7l = "arm";
    armv6l = "arm";
    riscv64 = "riscv64";
    powerpc64le = "ppc64le";
    s390x = "s390x";
    mips64el = "mips64le";
    loongarch64 = "loong64";
  }.${cpu} or cpu;
  hostPlatform = pkgs.stdenv.hostPlatform;
  defaultArchitecture = hostPlatform.go.GOARCH or (goArch hostPlatform.parsed.cpu.name);

  # The compressed-image formats; the builder knows how to produce each.
  compressors = {
    none = { ext = ""; };
    gz = { ext = ".gz"; };
    zstd = { ext = ".zst"; };
  };
  compressorForImage = compressor: imageName:
    compressors.${compressor} or (throw
      "in docker image ${imageName}: compressor must be one of: [${toString (builtins.attrNames compressors)}]");

  # The shared program behind every stream: `stream CONF [--repo_tag TAG]`.
  # It runs the host's Python with pydock (an impurity, see README).
  streamScript = builtinDerivation {
    name = "stream";
    builder = "docker-stream-script";
    preferLocalBuild = true;
  };

  # `contents` symlinked together (first wins), `extraCommands` run in it,
  # then tarred as root with the numeric owners fakeroot would give.
  mkCustomisationLayer = args@{ baseName, contents, extraCommands, fakeRootCommands, enableFakechroot }:
    if enableFakechroot then mkFakechrootLayer args else
    let
      tarCommand = ''
        tar --sort name --numeric-owner --mtime "@''${SOURCE_DATE_EPOCH:-315532800}" \
          --hard-dereference -cf "$out/layer.tar" .
      '';
      asRoot =
        if fakeRootCommands == "" then ''
          (cd old_out && ${lib.replaceStrings [ "tar " ] [ "tar --owner=0 --group=0 " ] tarCommand})
        ''
        else ''
          # The sandbox user is root in a user namespace, where fakeroot's real chown
          # attempt fails with EINVAL instead of EPERM; tell fakeroot not to try.
          export PYDOCK_TAR_COMMAND=${lib.escapeShellArg tarCommand} FAKEROOTDONTTRYCHOWN=1
          fakeroot bash -e -c '
            if [ -e "''${NIX_ATTRS_SH_FILE:-}" ]; then . "$NIX_ATTRS_SH_FILE"; fi
            cd old_out
            eval "$fakeRootCommands"
            eval "$PYDOCK_TAR_COMMAND"
          '
        '';
    in
    symlinkJoin {
      name = "${baseName}-customisation-layer";
      paths = if builtins.isList contents then contents else [ contents ];
      inherit extraCommands fakeRootCommands;
      postBuild = ''
        mv "$out" old_out
        (cd old_out; eval "$extraCommands" )
        mkdir "$out"
        ${asRoot}
        sha256sum "$out/layer.tar" | cut -f 1 -d ' ' > "$out/checksum"
      '';
    };

  # enableFakechroot: fakeRootCommands see the layer as `/` (nixpkgs: proot). The
  # join and extraCommands stay a sandboxed step whose tar keeps the modes they
  # set; a builtin builder runs the commands chrooted into it on the host
  # (builders/images/docker_fakechroot.py), since pydock's sandbox cannot nest namespaces.
  mkFakechrootLayer = { baseName, contents, extraCommands, fakeRootCommands, ... }:
    builtinDerivation {
      name = "${baseName}-customisation-layer";
      builder = "docker-fakechroot-layer";
      root = symlinkJoin {
        name = "${baseName}-customisation-root";
        paths = if builtins.isList contents then contents else [ contents ];
        inherit extraCommands;
        postBuild = ''
          mv "$out" old_out
          (cd old_out; eval "$extraCommands" )
          mkdir "$out"
          tar -C old_out --numeric-owner -cf "$out/root.tar" .
        '';
      };
      inherit fakeRootCommands;
      storeDir = builtins.storeDir;
    };

  streamLayeredImage = lib.makeOverridable (
    { name
    , tag ? null
    , fromImage ? null
    , contents ? [ ]
    , config ? { }
    , architecture ? defaultArchitecture
    , created ? "1970-01-01T00:00:01Z"
    , mtime ? "1970-01-01T00:00:01Z"
    , uid ? 0
    , gid ? 0
    , uname ? "root"
    , gname ? "root"
    , maxLayers ? 100
    , extraCommands ? ""
    , fakeRootCommands ? ""
    , enableFakechroot ? false
    , includeStorePaths ? true
    , includeNixDB ? false
    , passthru ? { }
    , meta ? { }
    , layeringPipeline ? null
    , debug ? false
    }:
    assert (layeringPipeline == null -> maxLayers > 1)
      || throw "the maxLayers argument of dockerTools.buildLayeredImage function must be greater than 1 (current value: ${toString maxLayers})";
    let
      baseName = baseNameOf name;
      baseJson = writeText "${baseName}-base.json" (builtins.toJSON {
        inherit config architecture;
        os = "linux";
      });
      customisationLayer = mkCustomisationLayer {
        inherit baseName contents fakeRootCommands enableFakechroot;
        extraCommands = lib.optionalString includeNixDB (nixdb.mkDbExtraCommand contents) + extraCommands;
      };
      excludePaths = [ baseJson customisationLayer ];
      conf = builtinDerivation {
        name = "${baseName}-conf.json";
        builder = "docker-conf";
        __structuredAttrs = true;
        exportReferencesGraph.graph = lib.optionals includeStorePaths [ baseJson customisationLayer ];
        inherit baseJson customisationLayer excludePaths fromImage tag created mtime uid gid uname gname
          maxLayers layeringPipeline debug;
        imageName = lib.toLower name;
        storeDir = builtins.storeDir;
        preferLocalBuild = true;
        passthru.imageTag =
          if tag != null then tag
          else lib.head (lib.splitString "-" (baseNameOf (builtins.unsafeDiscardStringContext conf.outPath)));
      };
    in
    builtinDerivation {
      name = "stream-${baseName}";
      builder = "docker-stream";
      inherit conf streamScript meta;
      inherit (conf) imageName;
      preferLocalBuild = true;
      passthru = passthru // {
        inherit (conf) imageTag;
        inherit conf streamScript;
        isExe = true;
      };
    }
  );

  buildLayeredImage = lib.makeOverridable ({ name, compressor ? "gz", meta ? { }, ... }@args:
    let
      stream = streamLayeredImage (removeAttrs args [ "compressor" "meta" ]);
      compress = compressorForImage compressor name;
    in
    builtinDerivation {
      name = "${baseNameOf name}.tar${compress.ext}";
      builder = "docker-stream-to-file";
      inherit (stream) imageName conf;
      inherit stream compressor meta;
      passthru = stream.passthru // {
        inherit (stream) imageTag;
        inherit stream;
      };
    }
  );
  buildImageParts = import ./build-image.nix { inherit lib pkgs defaultArchitecture compressorForImage nixdb; };
  inherit (buildImageParts) buildImage;
in
{
  inherit streamLayeredImage buildLayeredImage buildImage;
  buildLayeredImageWithNixDb = args: buildLayeredImage (args // { includeNixDB = true; });
  buildImageWithNixDb = args: buildImage (args // { includeNixDB = true; });
  inherit (helpers) fakeNss usrBinEnv binSh caCertificates shadowSetup referencesByPopularity;
  inherit (import ./archives.nix { inherit lib pkgs defaultArchitecture; }) pullImage exportImage mergeImages;
  inherit (import ./layer-helpers.nix { inherit lib pkgs; layers = buildImageParts; })
    mergeDrvs shellScript mkPureLayer mkRootLayer;
  inherit (import ./nix-shell.nix { inherit lib pkgs streamLayeredImage compressorForImage helpers; })
    streamNixShellImage buildNixShellImage;
}
