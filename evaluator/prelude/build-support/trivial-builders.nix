# The trivial builders: files from strings, shell commands, symlink trees.
# Parameters, defaults and output layouts follow nixpkgs; the shell code is
# pydock's and runs with the host's bash and coreutils (see stdenv).
{ lib, stdenv, runtimeShell }:
let
  inherit (lib) optionalAttrs optionalString escapeShellArg;
  defaultStdenv = stdenv;
in
rec {
  # `buildCommand` run by `stdenv.mkDerivation`; it reaches the builder as a file.
  runCommandWith = { stdenv ? defaultStdenv, runLocal ? false, derivationArgs ? { }, name }: buildCommand:
    stdenv.mkDerivation (
      {
        enableParallelBuilding = true;
        inherit buildCommand name;
        passAsFile = [ "buildCommand" ] ++ (derivationArgs.passAsFile or [ ]);
      }
      // optionalAttrs runLocal { preferLocalBuild = true; allowSubstitutes = false; }
      // removeAttrs derivationArgs [ "passAsFile" ]
    );

  runCommand = name: env: runCommandWith { inherit name; derivationArgs = env; };
  runCommandLocal = name: env: runCommandWith { inherit name; runLocal = true; derivationArgs = env; };
  # There is no compiler wrapper: the host's `cc` on PATH is what a script gets.
  runCommandCC = runCommand;
  runCommandNoCC = runCommand;
  runCommandNoCCLocal = runCommandLocal;

  # `text` written byte for byte to `$out<destination>`, optionally executable,
  # then `checkPhase` (with `$target` set) may inspect it.
  writeTextFile =
    { name
    , text
    , executable ? false
    , destination ? ""
    , checkPhase ? ""
    , meta ? { }
    , passthru ? { }
    , allowSubstitutes ? false
    , preferLocalBuild ? true
    , derivationArgs ? { }
    }:
    assert lib.assertMsg (destination != "" -> (lib.hasPrefix "/" destination && destination != "/")) ''
      destination must be an absolute path, relative to the derivation's out path,
      got '${destination}' instead.

      Ensure that the path starts with a / and specifies at least the filename.
    '';
    let
      binName = builtins.match "/bin/([^/]+)" destination;
    in
    runCommand name
      ({
        inherit text executable checkPhase allowSubstitutes preferLocalBuild;
        passAsFile = [ "text" ] ++ derivationArgs.passAsFile or [ ];
        meta = optionalAttrs (executable && binName != null) { mainProgram = builtins.head binName; }
          // meta // derivationArgs.meta or { };
        passthru = passthru // derivationArgs.passthru or { };
      } // removeAttrs derivationArgs [ "passAsFile" "meta" "passthru" ])
      ''
        target=$out${escapeShellArg destination}
        mkdir -p "$(dirname "$target")"
        if [ -e "''${textPath:-}" ]; then
          mv "$textPath" "$target"
        else
          printf '%s' "$text" > "$target"
        fi
        if [ -n "$executable" ]; then
          chmod +x "$target"
        fi
        eval "$checkPhase"
      '';

  writeText = name: text:
    assert lib.assertMsg (lib.strings.isConvertibleWithToString text)
      "pkgs.writeText ${lib.strings.escapeNixString name}: The second argument should be a string, but it's a ${builtins.typeOf text} instead.";
    lib.warnIf (!builtins.isString text)
      "pkgs.writeText ${lib.strings.escapeNixString name}: The second argument should be a string, but it's a ${builtins.typeOf text} instead, which is deprecated. Use `toString` to convert the value to a string first."
      writeTextFile { inherit name text; };

  writeTextDir = path: text:
    writeTextFile { inherit text; name = builtins.baseNameOf path; destination = "/${path}"; };

  writeScript = name: text: writeTextFile { inherit name text; executable = true; };
  writeScriptBin = name: text:
    writeTextFile { inherit name text; executable = true; destination = "/bin/${name}"; };

  writeShellScript = name: text:
    writeTextFile {
      inherit name;
      executable = true;
      text = "#!${runtimeShell}\n${text}\n";
      checkPhase = "${stdenv.shellDryRun} \"$target\"\n";
    };
  writeShellScriptBin = name: text:
    writeTextFile {
      inherit name;
      executable = true;
      destination = "/bin/${name}";
      text = "#!${runtimeShell}\n${text}\n";
      checkPhase = "${stdenv.shellDryRun} \"$target\"\n";
      meta.mainProgram = name;
    };

  # A bash script in `$out/bin/<name>` with strict options, its runtime inputs
  # on PATH and `runtimeEnv` exported. The default check is a syntax check;
  # nixpkgs' shellcheck test is not offered (pydock has no shellcheck).
  writeShellApplication =
    { name
    , text
    , runtimeInputs ? [ ]
    , runtimeEnv ? null
    , meta ? { }
    , passthru ? { }
    , checkPhase ? null
    , excludeShellChecks ? [ ]
    , extraShellCheckFlags ? [ ]
    , bashOptions ? [ "errexit" "nounset" "pipefail" ]
    , derivationArgs ? { }
    , inheritPath ? true
    }:
    writeTextFile {
      inherit name meta passthru derivationArgs;
      executable = true;
      destination = "/bin/${name}";
      allowSubstitutes = true;
      preferLocalBuild = false;
      text =
        "#!${runtimeShell}\n"
        + lib.concatMapStringsSep "\n" (o: "set -o ${o}") bashOptions + "\n"
        + optionalString (runtimeEnv != null)
          (lib.concatStrings (lib.mapAttrsToList (n: v: "${lib.toShellVar n v}\nexport ${n}\n") runtimeEnv))
        + optionalString (runtimeInputs != [ ])
          "\nexport PATH=\"${lib.makeBinPath runtimeInputs}${optionalString inheritPath ":$PATH"}\"\n"
        + "\n${text}\n";
      checkPhase =
        if checkPhase == null
        then "runHook preCheck\n${stdenv.shellDryRun} \"$target\"\nrunHook postCheck\n"
        else checkPhase;
    };

  # The concatenation of `files` at `$out<destination>`.
  concatTextFile = { name, files, executable ? false, destination ? "", checkPhase ? "", meta ? { }, passthru ? { } }:
    runCommandLocal name { inherit files executable checkPhase meta passthru destination; } ''
      file=$out$destination
      mkdir -p "$(dirname "$file")"
      cat $files > "$file"
      if [ -n "$executable" ]; then
        chmod +x "$file"
      fi
      eval "$checkPhase"
    '';
  concatText = name: files: concatTextFile { inherit name files; };
  concatScript = name: files: concatTextFile { inherit name files; executable = true; };

  # The union of the `paths` trees as real directories holding symlinks to the
  # files (lndir): the first path providing a file wins. `stripPrefix` links a
  # subdirectory of each path instead; missing ones are then skipped unless
  # `failOnMissing`.
  symlinkJoin =
    args@{ name ? assert lib.assertMsg (args ? pname && args ? version)
        "symlinkJoin requires either a `name` OR `pname` and `version`";
        "${args.pname}-${args.version}"
    , paths
    , stripPrefix ? ""
    , preferLocalBuild ? true
    , allowSubstitutes ? false
    , postBuild ? ""
    , failOnMissing ? stripPrefix == ""
    , ...
    }:
    assert lib.assertMsg (stripPrefix != "" -> (lib.hasPrefix "/" stripPrefix && stripPrefix != "/")) ''
      stripPrefix must be either an empty string (disable stripping behavior), or relative path prefixed with /.

      Ensure that the path starts with / and specifies path to the subdirectory.
    '';
    let
      withPrefix = ps: map (p: if p == null then null else if builtins.isList p then withPrefix p else "${p}${stripPrefix}") ps;
      link = if failOnMissing then "pydockLndir \"$i\" \"$out\"" else "if [ -d \"$i\" ]; then pydockLndir \"$i\" \"$out\"; fi";
    in
    runCommand name
      (removeAttrs args [ "name" "postBuild" "stripPrefix" "paths" "failOnMissing" ] // {
        inherit preferLocalBuild allowSubstitutes;
        paths = withPrefix paths;
        passAsFile = [ "paths" ];
      })
      ''
        source ${./lndir.sh}
        mkdir -p "$out"
        for i in $(cat "$pathsPath"); do
          ${link}
        done
        ${postBuild}
      '';

  # `$out/<name>` symlinks to each path (parent directories created). Entries
  # are `{ name = path; }` or a list of `{ name; path; }`, where a later
  # duplicate name wins.
  linkFarm = name: entries:
    let
      byName =
        if builtins.isAttrs entries then entries
        else if builtins.isList entries then builtins.foldl' (acc: e: acc // { ${e.name} = e.path; }) { } entries
        else throw "linkFarm entries must be either attrs or a list!";
      commands = lib.mapAttrsToList (n: p: ''
        mkdir -p -- "$(dirname -- ${escapeShellArg "${n}"})"
        ln -s -- ${escapeShellArg "${p}"} ${escapeShellArg "${n}"}
      '') byName;
    in
    runCommand name { preferLocalBuild = true; allowSubstitutes = false; passthru.entries = byName; } ''
      mkdir -p "$out"
      cd "$out"
      ${lib.concatStrings commands}
    '';
  linkFarmFromDrvs = name: drvs: linkFarm name (map (d: { name = d.name; path = d; }) drvs);

  onlyBin = drv: runCommand "${drv.name}-only-bin" { } ''
    mkdir -p "$out"
    ln -s ${lib.getBin drv}/bin "$out/bin"
  '';

  # Every store path in the closure of `paths`, sorted, one per line.
  writeClosure = paths:
    runCommand "runtime-deps" {
      exportReferencesGraph = lib.concatLists (lib.imap0 (i: p: [ "graph-${toString i}" p ]) paths);
    } ''
      shopt -s nullglob
      for graph in graph-*; do
        # Each record: path, deriver (empty), reference count, references.
        while IFS= read -r path; do
          IFS= read -r _deriver
          IFS= read -r count
          for ((i = 0; i < count; i++)); do IFS= read -r _ref; done
          printf '%s\n' "$path"
        done < "$graph"
      done | LC_ALL=C sort -u > "$out"
    '';
  writeReferencesToFile = path: writeClosure [ path ];

  # The direct references of `path`, sorted, one per line.
  writeDirectReferencesToFile = path:
    runCommand "runtime-references" { exportReferencesGraph = [ "graph" path ]; inherit path; } ''
      while IFS= read -r p; do
        IFS= read -r _deriver
        IFS= read -r count
        for ((i = 0; i < count; i++)); do
          IFS= read -r ref
          if [ "$p" = "$path" ]; then printf '%s\n' "$ref"; fi
        done
      done < graph | LC_ALL=C sort > "$out"
    '';
}
