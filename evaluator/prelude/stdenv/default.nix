# A deliberately small `stdenv`. Builds run the HOST's bash and coreutils:
# the builder is `/bin/bash` and the derivation gets `PATH=/usr/bin:/bin`
# (pydock's sandbox shows the host's top-level directories read-only). This is
# an impurity nixpkgs does not have, chosen because pydock ships no bootstrap
# tools; it is documented in the README ("Impurities"). There is no compiler
# wrapper (`cc` is null): runCommandCC finds whatever `cc` the host PATH has.
#
# `mkDerivation` understands `name` or `pname` + `version`, `buildCommand`, or
# the phases unpackPhase (directory or tarball `src`), buildPhase, checkPhase
# (with `doCheck`), installPhase with their pre/post hooks; `meta`, `passthru`,
# `env`, `__structuredAttrs`, `finalAttrs:` functions and `overrideAttrs`.
#
# With a package index that has `bash`, `shell` (the builder, and what
# `stdenv.shell` says) is that bash from the store, as in nixpkgs.
{ lib, system, shell ? null }:
let
  platform = import ./platform.nix { inherit lib; } system;

  shell' = if shell != null then shell else "/bin/bash";

  # setup (shell functions, environment) and default-builder.sh, as one store
  # path that builders find through `$stdenv`, as in nixpkgs.
  setupDir = builtins.path { path = ./files; name = "pydock-stdenv"; };

  # The first of "bin", "out", then the declared outputs that exists, plus "man".
  outputsToInstall = outputs:
    let has = o: builtins.elem o outputs; in
    [ (lib.findFirst has null ([ "bin" "out" ] ++ outputs)) ] ++ lib.optional (has "man") "man";

  # `rattrs final` gives the attributes; `final` is the result of all overrides.
  build = rattrs:
    let
      attrs = rattrs (attrs // { finalPackage = package; });
      name = attrs.name or "${attrs.pname}-${attrs.version}";
      outputs = attrs.outputs or [ "out" ];
      structured = attrs.__structuredAttrs or false;
      envVars = attrs.env or { };
      drvAttrs =
        removeAttrs attrs [ "meta" "passthru" "env" "pos" "builder" "realBuilder" "args" "finalPackage" ]
        // lib.optionalAttrs (!structured) envVars
        // lib.optionalAttrs (structured && envVars != { }) { env = envVars; }
        // {
          inherit name system;
          # Null attributes are left out of the environment, as nixpkgs does.
          __ignoreNulls = true;
          builder = attrs.realBuilder or shell';
          args = attrs.args or [ "-e" (attrs.builder or "${setupDir}/default-builder.sh") ];
          stdenv = setupDir;
          PATH = attrs.PATH or "/usr/bin:/bin";
        };
      meta = {
        inherit name;
        outputsToInstall = outputsToInstall outputs;
      } // attrs.meta or { };
      passthru = attrs.passthru or { };
      # `f` may be `prev: { … }` or `final: prev: { … }`.
      overrideAttrs = f0:
        let f = final: prev: let r = f0 prev; in if builtins.isFunction r then f0 final prev else r; in
        build (final: let prev = rattrs final; in prev // f final prev);
      package = lib.extendDerivation true ({ inherit meta passthru overrideAttrs; } // passthru) (derivation drvAttrs);
    in
    package;
in
rec {
  inherit system;
  shell = shell';
  hostPlatform = platform;
  buildPlatform = platform;
  targetPlatform = platform;
  inherit (platform) isLinux isDarwin isx86_64 isAarch64;
  cc = null;
  # How writeShellScript & co syntax-check a script without running it.
  shellDryRun = "${shell} -n -O extglob";

  mkDerivation = fnOrAttrs: build (if builtins.isFunction fnOrAttrs then fnOrAttrs else _: fnOrAttrs);
}
