# dockerTools' nix-shell images (streamNixShellImage, buildNixShellImage),
# written for pydock with nixpkgs' parameters, defaults and image layout.
#
# The image holds the environment `nix-shell` would give for `drv`: every
# derivation attribute as a variable (devShellTools), its outputs' paths, the
# variables Nix's builder sets, and an rcfile that does what nix-shell's own
# rcfile does: source `$stdenv/setup`, put the shell and `buildDerivation`
# (which runs the derivation's builder) on PATH, run `shellHook`, then
# `command` (interactively) or `run` (as a script), if given, and exit.
#
# For a derivation of pydock's stdenv, `$stdenv/setup` is pydock's small
# setup (see stdenv/files/setup): it puts the `bin/` of the derivation's
# inputs on PATH and defines `runHook`; setup hooks of the inputs, which need
# nixpkgs' setup.sh, are not run (README: nix-shell images). A package from
# the package index has no recipe, so it cannot be `drv` (the evaluation
# error names it).
{ lib, pkgs, streamLayeredImage, compressorForImage, helpers }:
let
  inherit (pkgs) writeText writeShellScriptBin builtinDerivation devShellTools;

  missing = package: throw (
    "dockerTools.streamNixShellImage needs the package '${package}', which pydock's <nixpkgs> does not provide; "
    + "add it to the package set (a package index, --packages, or an overlay)");
  fromPkgs = package: pkgs.${package} or (missing package);

  # Nix's build directory inside its sandbox, where the shell starts.
  sandboxBuildDir = "/build";

  streamNixShellImage =
    { drv
    , name ? drv.name + "-env"
    , tag ? null
    , uid ? 1000
    , gid ? 1000
    , homeDirectory ? "/build"
    , shell ? lib.getExe (fromPkgs "bash")
    , command ? null
    , run ? null
    }:
    assert !(drv.drvAttrs.__structuredAttrs or false)
      || throw "streamNixShellImage: Does not work with the derivation ${drv.name} because it uses __structuredAttrs";
    assert command == null || run == null
      || throw "streamNixShellImage: Can't specify both command and run";
    let
      inherit (devShellTools) valueToString;
      cacert = fromPkgs "cacert";
      certFile = "${cacert}/etc/ssl/certs/ca-bundle.crt";

      # `buildDerivation` in the image: the derivation's builder with its arguments.
      buildDerivation = writeShellScriptBin "buildDerivation" ''
        exec ${lib.escapeShellArg (valueToString drv.drvAttrs.builder)} ${lib.escapeShellArgs (map valueToString (drv.drvAttrs.args or [ ]))}
      '';

      staticPath = "${dirOf shell}:${lib.makeBinPath [ buildDerivation ]}";

      # nix-shell's rcfile, step by step, with the image's fixed PATH in place
      # of the caller's.
      finalCommands = lib.optionalString (command != null || run != null) ''
        ${lib.optionalString (command != null) command}
        ${lib.optionalString (run != null) run}
        exit
      '';
      rcfile = writeText "nix-shell-rc" ''
        unset PATH
        dontAddDisableDepTrack=1
        [ -e "$stdenv/setup" ] && source "$stdenv/setup"
        PATH=${staticPath}:"$PATH"
        SHELL=${lib.escapeShellArg shell}
        BASH=${lib.escapeShellArg shell}
        set +e
        [ -n "$PS1" -a -z "$NIX_SHELL_PRESERVE_PROMPT" ] && PS1='\n\[\033[1;32m\][nix-shell:\w]\$\[\033[0m\] '
        if [ "$(type -t runHook)" = function ]; then
          runHook shellHook
        fi
        unset NIX_ENFORCE_PURITY
        shopt -u nullglob
        shopt -s execfail
        ${finalCommands}
      '';

      drvEnv =
        devShellTools.unstructuredDerivationInputEnv { inherit (drv) drvAttrs; }
        // devShellTools.derivationOutputEnv { outputList = drv.outputs or [ "out" ]; outputMap = drv; };

      # Defaults, then the derivation's variables, then what Nix's builder
      # always sets (in that order of precedence, lowest first).
      envVars = {
        SSL_CERT_FILE = certFile;
        NIX_SSL_CERT_FILE = certFile;
        PATH = staticPath;
        HOME = homeDirectory;
        NIX_STORE = builtins.storeDir;
        NIX_BUILD_CORES = "1";
      }
      // drvEnv
      // {
        NIX_BUILD_TOP = sandboxBuildDir;
        TMPDIR = sandboxBuildDir;
        TEMPDIR = sandboxBuildDir;
        TMP = sandboxBuildDir;
        TEMP = sandboxBuildDir;
        PWD = sandboxBuildDir;
        TERM = "xterm-256color";
      };

      ids = "${toString uid}:${toString gid}";
    in
    streamLayeredImage {
      inherit name tag;
      contents = [
        helpers.binSh
        helpers.usrBinEnv
        # The build user, with the requested home directory (Nix itself would
        # name its build directory there).
        (helpers.fakeNss.override {
          extraPasswdLines = [ "nixbld:x:${ids}:Build user:${homeDirectory}:/noshell" ];
          extraGroupLines = [ "nixbld:!:${toString gid}:" ];
        })
      ];
      # A store and Nix state the user owns (a single-user Nix), and the build directory.
      fakeRootCommands = ''
        mkdir -p ./nix/store ./nix/var/nix ./etc/nix
        chown -R ${ids} ./nix ./etc/nix
        mkdir -p .${sandboxBuildDir}
        chown -R ${ids} .${sandboxBuildDir}
      '';
      config = {
        User = ids;
        # As nix-shell: an interactive shell reading the rcfile, or (`run`) the rcfile as a script.
        Cmd = if run == null then [ shell "--rcfile" rcfile ] else [ shell rcfile ];
        WorkingDir = sandboxBuildDir;
        Env = lib.mapAttrsToList (n: v: "${n}=${v}") envVars;
      };
    };

  # The stream written to a file, compressed as `compressor` says.
  buildNixShellImage = { drv, compressor ? "gz", ... }@args:
    let
      stream = streamNixShellImage (removeAttrs args [ "compressor" ]);
      compress = compressorForImage compressor drv.name;
    in
    builtinDerivation {
      name = "${drv.name}-env.tar${compress.ext}";
      builder = "docker-stream-to-file";
      inherit (stream) imageName conf;
      inherit stream compressor;
      passthru = { inherit (stream) imageTag; };
    };
in
{
  inherit streamNixShellImage buildNixShellImage;
}
