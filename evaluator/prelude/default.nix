# pydock's own `<nixpkgs>`: `lib`, a small `stdenv` and the trivial builders,
# written for pydock (no nixpkgs code). Packages such as `hello` are not here:
# they come prebuilt from a package index (`--packages`, see package-index.nix),
# which fills what the prelude does not define.
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
  index = import ./package-index.nix;
  # A package from the index, when it has one (the prelude then uses it as nixpkgs does).
  fromIndex = name: index.packages ? ${name};
  hostSystem = if builtins.isString localSystem then localSystem else localSystem.system;

  # Index packages fill only what pydock's own definitions lack (`index.fill`).
  base = self: index.fill (
    import ./build-support/trivial-builders.nix { inherit lib; inherit (self) stdenv runtimeShell; }
    // {
      inherit lib config;
      pkgs = self;
      # Builds are native only, so the build-time package set is this one.
      buildPackages = self;
      system = hostSystem;

      # The prelude's own directory, where nixpkgs' `pkgs.path` is nixpkgs' source tree.
      path = ./.;

      stdenv = import ./stdenv {
        inherit lib;
        system = hostSystem;
        shell = if fromIndex "bash" then "${self.bash}/bin/bash" else null;
      };
      stdenvNoCC = self.stdenv;
      dockerTools = import ./docker { inherit lib; pkgs = self; };
      fakeNss = self.dockerTools.fakeNss;
      # Shell of scripts written by writeShellScript & co: the index's bash as
      # in nixpkgs (`runtimeShellPackage`), else the host's /bin/bash.
      runtimeShellPackage = if fromIndex "bash" then self.bash else null;
      runtimeShell = if fromIndex "bash" then "${self.bash}/bin/bash" else "/bin/bash";
      # pydock-only (no nixpkgs counterpart, hence the prefix): the host's /bin/sh with
      # its ELF interpreter and libraries, for images built without a package index.
      pydockHostShell = import ./host-shell.nix;

      # Other package sets of nixpkgs hold only what the index gives them, and
      # the prelude's platform-independent helpers.
      pkgsStatic = crossHelpers self;
      pkgsMusl = crossHelpers self;
      pkgsCross = { };

      callPackage = lib.callPackageWith self;
      callPackages = lib.callPackagesWith self;
      newScope = extra: lib.callPackageWith (self // extra);

      devShellTools = import ./build-support/dev-shell-tools.nix { inherit lib; inherit (self) writeText; };
      mkShell = import ./build-support/mkshell.nix { inherit lib; inherit (self) stdenv; };
      mkShellNoCC = self.mkShell;

      builtinDerivation = import ./build-support/builtin-derivation.nix { inherit lib; };
      closureInfo = import ./build-support/closure-info.nix { inherit (self) builtinDerivation; };
      buildEnv = import ./build-support/build-env.nix {
        inherit lib;
        inherit (self) builtinDerivation runCommand writeClosure;
      };
    });

  crossHelpers = self: {
    inherit lib;
    inherit (self) writeText writeTextFile writeTextDir writeScript writeScriptBin runCommand symlinkJoin;
  };
in
assert lib.assertMsg (crossSystem == null) "pydock's <nixpkgs> does not support cross compilation (crossSystem)";
lib.fix (builtins.foldl' (f: overlay: lib.extends overlay f) base overlays)
