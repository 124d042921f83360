# pydock's own `<nixpkgs>`: `lib`, a small `stdenv` and the trivial builders,
# written for pydock (no nixpkgs code). Packages such as `hello` are not here.
#
# The package set is a fixed point (`self`), so `overlays` work as in nixpkgs
# and later additions (e.g. `dockerTools = self.callPackage ./docker { };`)
# can use everything else through `self`.
{ system ? builtins.currentSystem
, localSystem ? { inherit system; }
, crossSystem ? null
, config ? { }
, overlays ? [ ]
, ...
}:
let
  lib = import ./lib;
  hostSystem = if builtins.isString localSystem then localSystem else localSystem.system;

  base = self:
    import ./build-support/trivial-builders.nix { inherit lib; inherit (self) stdenv runtimeShell; }
    // {
      inherit lib config;
      pkgs = self;
      # Builds are native only, so the build-time package set is this one.
      buildPackages = self;
      system = hostSystem;

      stdenv = import ./stdenv { inherit lib; system = hostSystem; };
      stdenvNoCC = self.stdenv;
      dockerTools = import ./docker { inherit lib; pkgs = self; };
      # Shell of scripts written by writeShellScript & co: the host's bash.
      runtimeShell = "/bin/bash";

      callPackage = lib.callPackageWith self;
      callPackages = lib.callPackagesWith self;
      newScope = extra: lib.callPackageWith (self // extra);

      builtinDerivation = import ./build-support/builtin-derivation.nix { inherit lib; };
      closureInfo = import ./build-support/closure-info.nix { inherit (self) builtinDerivation; };
      buildEnv = import ./build-support/build-env.nix {
        inherit lib;
        inherit (self) builtinDerivation runCommand writeClosure;
      };
    };
in
assert lib.assertMsg (crossSystem == null) "pydock's <nixpkgs> does not support cross compilation (crossSystem)";
lib.fix (builtins.foldl' (f: overlay: lib.extends overlay f) base overlays)
