# dockerTools.buildImage for pydock: one new layer on top of an optional base
# image, written as a "docker save" (v1.2) archive. Parameters and defaults
# follow nixpkgs' documented interface; the code is pydock's own.
#
# * The layer (`passthru.layer`, `$out/layer.tar`) is a shell step with the
#   host's bash, coreutils and GNU tar: the contents of each `copyToRoot` path
#   copied into `layer/` (symlinks to directories followed, as `rsync -ak`),
#   `extraCommands` run there, then `tar --sort=name --mtime --owner --group
#   --hard-dereference`.
# * With `runAsRoot` there is no VM: a builtin builder runs a bash script on
#   the host (pydock's sandbox is a chroot, where user namespaces cannot be
#   created) with PATH=/usr/bin:/bin; it assembles the root (base layers
#   unpacked with their whiteouts applied, then `copyToRoot`) and runs the
#   script with `chroot` inside `unshare --user --map-root-user --mount --pid
#   --fork`; the layer is what changed (new or modified entries and their
#   parent directories), as an overlay's upper directory would hold, plus a
#   Docker whiteout (`.wh.NAME`) for each deleted entry. As an ordinary user
#   only uid/gid 0 exist there, so `chown` to other ids fails; run as root,
#   pydock uses no user namespace and the script's chown is real.
# * The image (`builtin:pydock-docker-build-image`) does the rest: tarsum,
#   layer json and id, store paths of the layer's closure appended, image
#   config, manifest.json, repositories, the outer tar and compression.
{ lib, pkgs, defaultArchitecture, compressorForImage, nixdb }:
let
  inherit (pkgs) builtinDerivation runCommand writeText;

  # Bash helpers shared by both layer kinds.
  copyFunctions = ''
    # copyContents SRC DST: what `rsync -ak` (-aK with keepDirlinks) does to SRC/ DST/,
    # except that every directory stays writable until fixDirModes.
    dirModes=()
    copyContents() {
      local src=$1 dst=$2 entry name
      if [ -L "$dst" ] && { [ -z "$keepContentsDirlinks" ] || [ ! -d "$dst" ]; }; then rm -f "$dst"; fi
      if [ -e "$dst" ] && [ ! -d "$dst" ]; then rm -f "$dst"; fi
      mkdir -p "$dst"
      chmod u+w "$dst"
      dirModes+=("$(stat -L -c %a "$src") $dst")
      for entry in "$src"/* "$src"/.[!.]* "$src"/..?*; do
        [ -e "$entry" ] || [ -L "$entry" ] || continue
        name=''${entry##*/}
        # -k follows a symlink to a directory in SRC; -aK (keepContentsDirlinks) copies it as a link.
        if [ -d "$entry" ] && { [ -z "$keepContentsDirlinks" ] || [ ! -L "$entry" ]; }; then
          copyContents "$entry" "$dst/$name"
        else
          if [ -d "$dst/$name" ] && [ ! -L "$dst/$name" ]; then chmod -R u+w "$dst/$name"; rm -rf "$dst/$name"; fi
          rm -f "$dst/$name"
          cp -P --preserve=mode,timestamps "$entry" "$dst/$name"
        fi
      done
    }
    fixDirModes() {
      local i
      for ((i = ''${#dirModes[@]} - 1; i >= 0; i--)); do
        chmod "''${dirModes[i]%% *}" "''${dirModes[i]#* }"
      done
    }
    # Bytewise order of whole paths with '/' sorting first, i.e. tar --sort=name.
    sortAsTar() { sed 's|/|\x01|g' | LC_ALL=C sort -u | sed 's|\x01|/|g'; }
  '';

  tarFlags = ''--hard-dereference --sort=name --mtime="@''${SOURCE_DATE_EPOCH:-315532800}"'';

  mkPureLayer = { baseName, copyToRoot, keepContentsDirlinks, extraCommands, uid, gid }:
    runCommand "docker-layer-${baseName}" {
      inherit extraCommands;
      copyToRoot = lib.toList copyToRoot;
      keepContentsDirlinks = if keepContentsDirlinks then "1" else "";
    } ''
      ${copyFunctions}
      mkdir layer
      for item in $copyToRoot; do copyContents "$item" layer; done
      fixDirModes
      chmod ug+w layer
      (cd layer && eval "$extraCommands")
      mkdir "$out"
      tar -C layer ${tarFlags} --owner=${toString uid} --group=${toString gid} -cf "$out/layer.tar" .
    '';

  mkRootLayer = { baseName, copyToRoot, keepContentsDirlinks, extraCommands, runAsRoot, fromImage
                , fromImageName, fromImageTag }:
    builtinDerivation {
      name = "docker-layer-${baseName}";
      builder = "docker-run-as-root-layer";
      inherit extraCommands fromImage fromImageName fromImageTag;
      runAsRoot = writeText "run-as-root.sh" ''
        set -e
        export PATH=/usr/bin:/bin
        ${runAsRoot}
      '';
      copyToRoot = lib.toList copyToRoot;
      keepContentsDirlinks = if keepContentsDirlinks then "1" else "";
      storeDir = builtins.storeDir;
      inner = ''
        set -eo pipefail
        ${copyFunctions}
        # The base image's layers were applied to root/ by the builder (builders/images/docker_build_image.py,
        # with the safe unpacker: whiteouts applied, nothing written outside root/).
        mkdir -p root
        snapshot() { (cd root && find . -printf '%p\t%y\t%m\t%U\t%G\t%s\t%T@\t%l\n') | LC_ALL=C sort; }
        snapshot > before
        for item in $copyToRoot; do copyContents "$item" root; done
        fixDirModes
        chmod ug+w root
        cleanup=()
        for d in dev proc sys tmp "''${storeDir#/}"; do
          if [ ! -e "root/$d" ]; then mkdir -p "root/$d"; cleanup+=("$d"); fi
        done
        mount --rbind /dev root/dev
        mount -t proc proc root/proc 2>/dev/null || mount --rbind /proc root/proc
        mount --rbind /sys root/sys 2>/dev/null || true
        mount --rbind "$storeReal" "root/$storeDir"
        cp "$runAsRoot" root/.pydock-run-as-root.sh
        chroot root /bin/sh /.pydock-run-as-root.sh
        rm -f root/.pydock-run-as-root.sh
        umount -l root/dev root/proc "root/$storeDir"; umount -l root/sys 2>/dev/null || true
        for d in "''${cleanup[@]}"; do
          [ "$d" = tmp ] && continue
          rmdir "root/$d" 2>/dev/null || true
          p=$(dirname "$d")
          while [ "$p" != . ]; do rmdir "root/$p" 2>/dev/null || true; p=$(dirname "$p"); done
        done
        (cd root && eval "$extraCommands")
        snapshot > after
        # Deletions become Docker whiteouts (`.wh.NAME` beside where NAME was), one
        # per topmost deleted entry; nixpkgs' VM overlay would leave 0:0 devices.
        cut -f 1 before | LC_ALL=C sort > before-paths
        cut -f 1 after | LC_ALL=C sort > after-paths
        : > whiteouts
        LC_ALL=C comm -23 before-paths after-paths | while read -r p; do
          parent=$(dirname "$p")
          if [ "$parent" = . ] || grep -qxF -- "$parent" after-paths; then
            : > "root/$parent/.wh.''${p##*/}"
            echo "$parent/.wh.''${p##*/}" >> whiteouts
          fi
        done
        # What changed, with every parent directory (an overlay copies those up).
        { LC_ALL=C comm -13 before after | cut -f 1; cat whiteouts; } | while read -r p; do
          while [ "$p" != . ]; do echo "$p"; p=$(dirname "$p"); done
          echo .
        done | sortAsTar > changed
        tar -C root ${tarFlags} --no-recursion --verbatim-files-from -T changed -cf "$out/layer.tar"
      '';
    };

  buildImage = lib.makeOverridable (
    args@{ name
    , tag ? null
    , fromImage ? null
    , fromImageName ? null
    , fromImageTag ? null
    , copyToRoot ? null
    , keepContentsDirlinks ? false
    , config ? null
    , architecture ? defaultArchitecture
    , extraCommands ? ""
    , uid ? 0
    , gid ? 0
    , runAsRoot ? null
    , diskSize ? 1024
    , buildVMMemorySize ? 512
    , created ? "1970-01-01T00:00:01Z"
    , compressor ? "gz"
    , includeNixDB ? false
    , contents ? null
    , meta ? { }
    }:
    let
      baseName = baseNameOf name;
      compress = compressorForImage compressor name;
      checked =
        lib.warnIf (contents != null)
          "in docker image ${name}: The contents parameter is deprecated. Change to copyToRoot if the contents are designed to be copied to the root filesystem, such as when you use `buildEnv` or similar between contents and your packages. Use copyToRoot = buildEnv { ... }; or similar if you intend to add packages to /bin."
          (lib.throwIf (contents != null && copyToRoot != null)
            "in docker image ${name}: You can not specify both contents and copyToRoot." true);
      rootContents = if copyToRoot == null then contents else copyToRoot;
      copyItems = if rootContents == null then [ ] else rootContents;
      # nixpkgs' extraCommandsWithDB: the Nix database of the copied closure first.
      extraCommandsWithDB = lib.optionalString includeNixDB (nixdb.mkDbExtraCommand copyItems) + extraCommands;

      baseJson0 = writeText "${baseName}-config.json" (builtins.toJSON {
        inherit architecture config created;
        os = "linux";
        preferLocalBuild = true;
      });
      baseJson = if created == "now" then
        runCommand "${baseName}-config.json" { inherit baseJson0; } ''
          jq ".created = \"$(TZ=utc date --iso-8601=seconds)\"" "$baseJson0" > "$out"
        ''
      else baseJson0;

      layer =
        if runAsRoot == null then
          mkPureLayer {
            inherit baseName keepContentsDirlinks uid gid;
            copyToRoot = copyItems;
            extraCommands = extraCommandsWithDB;
          }
        else
          mkRootLayer {
            inherit baseName keepContentsDirlinks runAsRoot fromImage fromImageName fromImageTag;
            copyToRoot = copyItems;
            extraCommands = extraCommandsWithDB;
          };

      result = builtinDerivation {
        name = "docker-image-${baseName}.tar${compress.ext}";
        builder = "docker-build-image";
        __structuredAttrs = true;
        exportReferencesGraph.layerClosure = [ layer ];
        imageName = lib.toLower name;
        imageTag = if tag == null then "" else tag;
        inherit fromImage fromImageName fromImageTag baseJson layer compressor meta;
        storeDir = builtins.storeDir;
        passthru = {
          buildArgs = args;
          inherit layer;
          imageTag =
            if tag != null then tag
            else lib.head (lib.splitString "-" (baseNameOf (builtins.unsafeDiscardStringContext result.outPath)));
        };
      };
    in
    assert checked;
    result
  );
in
{
  # The layer builders are also the base of dockerTools.mkPureLayer / mkRootLayer (layer-helpers.nix).
  inherit buildImage mkPureLayer mkRootLayer;
}
