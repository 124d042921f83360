# `buildEnv`: a tree of symlinks to the files of `paths` (those under
# `pathsToLink`), in real directories, rooted at `$out<extraPrefix>`. Package
# priorities (`meta.priority`, lower wins) settle clashes; otherwise a clash
# between different files is an error unless `ignoreCollisions`. The linking is
# the builtin builder `build-env` (nixpkgs uses a perl script). With a
# `postBuild`, a second, shell derivation copies that tree and runs it.
{ lib, builtinDerivation, runCommand, writeClosure }:
lib.makeOverridable (
  { name ? null
  , pname ? null
  , version ? null
  , paths
  , manifest ? ""
  , ignoreCollisions ? false
  , ignoreSingleFileOutputs ? false
  , includeClosures ? false
  , checkCollisionContents ? true
  , pathsToLink ? [ "/" ]
  , extraOutputsToInstall ? [ ]
  , extraPrefix ? ""
  , postBuild ? ""
  , nativeBuildInputs ? [ ]
  , buildInputs ? [ ]
  , passthru ? { }
  , meta ? { }
  , derivationArgs ? { }
  }:
  let
    drvName = if name != null then name else "${pname}-${version}";
    # What to link of each package: the outputs it wants installed (unless one
    # output was picked explicitly) plus `extraOutputsToInstall`.
    chosenOutputs = map (drv: {
      paths =
        (if (!(drv ? outputSpecified) || !drv.outputSpecified) && drv.meta.outputsToInstall or null != null
         then map (o: drv.${o}) drv.meta.outputsToInstall
         else [ drv ])
        ++ builtins.filter (p: p != null) (map (o: drv.${o} or null) extraOutputsToInstall);
      priority = drv.meta.priority or lib.meta.defaultPriority;
    }) paths;
    closurePaths = lib.remove null (lib.flatten (map (c: c.paths) chosenOutputs));
    settings = {
      inherit manifest ignoreCollisions checkCollisionContents ignoreSingleFileOutputs pathsToLink extraPrefix;
    };
    allPassthru = { inherit paths; } // passthru // derivationArgs.passthru or { };
    links = builtinDerivation (settings // {
      name = if postBuild == "" then drvName else "${drvName}-links";
      builder = "build-env";
      pkgs = builtins.toJSON chosenOutputs;
      extraPathsFrom = lib.optional includeClosures (writeClosure closurePaths);
      preferLocalBuild = true;
      allowSubstitutes = false;
    } // lib.optionalAttrs (postBuild == "") {
      inherit meta;
      passthru = allPassthru;
    });
  in
  if postBuild == "" then links
  else
    runCommand drvName (settings // {
      inherit links postBuild nativeBuildInputs buildInputs meta;
      passthru = allPassthru;
      preferLocalBuild = true;
      allowSubstitutes = false;
    } // removeAttrs derivationArgs [ "passthru" ]) ''
      cp -R -- "$links" "$out"
      chmod -R u+w -- "$out"
      eval "$postBuild"
    ''
)
