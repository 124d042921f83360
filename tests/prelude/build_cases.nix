# What the build tests realise: every trivial builder once, plus the buildEnv /
# symlinkJoin rules (priorities, collisions, prefixes). `shell` holds the
# builders that run shell code; real Nix can build those too, and must produce
# identical outputs. `builtin` holds those realised by pydock's builtin builders.
let
  pkgs = import <nixpkgs> { };
  inherit (pkgs) lib;

  text = pkgs.writeText "text" "hello\n";
  greet = pkgs.writeScriptBin "greet" "#!/bin/sh\necho hi\n";
  app = pkgs.writeShellApplication {
    name = "app";
    text = "greet";
    runtimeInputs = [ greet ];
    runtimeEnv = { MODE = "a b"; };
  };
  # Two packages with the same file name and different contents, one with the same contents.
  toolA = pkgs.writeTextDir "bin/tool" "A";
  toolB = pkgs.writeTextDir "bin/tool" "B";
  toolA2 = pkgs.runCommand "tool-a2" { } ''mkdir -p $out/bin; printf A > $out/bin/tool'';
  infoOther = pkgs.writeTextDir "share/info/other" "o";
  docs = pkgs.runCommand "docs" { } ''
    mkdir -p $out/share/doc/docs $out/nix-support $out/share/info $out/lib
    echo readme > $out/share/doc/docs/README
    echo dir > $out/share/info/dir
    echo hidden > $out/nix-support/setup-hook
    echo log > $out/lib/log
    ln -s README $out/share/doc/docs/README.link
    ln -s ../share $out/lib/share-link
    echo ${toolB} > $out/nix-support/propagated-user-env-packages
  '';
in
{
  shell = {
    inherit text greet app toolA toolB docs infoOther;
    textFile = pkgs.writeTextFile { name = "tf"; text = "x\n"; executable = true; destination = "/share/tf"; };
    textDir = pkgs.writeTextDir "etc/conf.d/a.conf" "a=1";
    script = pkgs.writeScript "script" "echo script";
    shellScript = pkgs.writeShellScript "shell-script" "echo \"ran $0\"";
    shellScriptBin = pkgs.writeShellScriptBin "ssb" "echo ssb";
    run = pkgs.runCommand "run" { FOO = "bar"; } ''
      mkdir $out
      echo "$FOO" > $out/foo
      echo "$SOURCE_DATE_EPOCH" > $out/epoch
      echo "$PATH" > $out/path
    '';
    mk = pkgs.stdenv.mkDerivation {
      pname = "mk";
      version = "1.0";
      outputs = [ "out" "doc" ];
      src = ./called_pkg.nix;
      unpackPhase = "cp $src pkg.nix";
      buildPhase = "wc -l < pkg.nix > lines";
      installPhase = ''
        mkdir -p $out $doc
        cp lines $out/lines
        echo doc > $doc/README
      '';
    };
    # A tarball source is unpacked and entered; a directory source is copied writable.
    fromTarball = pkgs.stdenv.mkDerivation {
      name = "from-tarball";
      src = pkgs.runCommand "src.tar.gz" { } ''
        mkdir -p pkg-1.0/sub
        echo payload > pkg-1.0/sub/file
        tar --sort=name --mtime=@1 --owner=0 --group=0 --numeric-owner -czf $out pkg-1.0
      '';
      installPhase = ''
        mkdir $out
        echo "$sourceRoot" > $out/root
        cp sub/file $out/file
      '';
    };
    fromDirectory = pkgs.stdenv.mkDerivation {
      name = "from-directory";
      src = lib.sourceByRegex ./. [ "called_pkg\\.nix" ];
      buildPhase = "echo built >> called_pkg.nix";
      installPhase = "mkdir $out; ls -A > $out/listing; tail -n 1 called_pkg.nix > $out/last";
    };
    structured = pkgs.runCommand "structured" { __structuredAttrs = true; list = [ "a b" "c" ]; } ''
      printf '%s\n' "''${list[@]}" > $out
    '';
    join = pkgs.symlinkJoin { name = "join"; paths = [ greet toolA toolB docs ]; postBuild = "echo post > $out/post"; };
    joinStrip = pkgs.symlinkJoin { name = "join-strip"; paths = [ greet docs ]; stripPrefix = "/bin"; };
    farmList = pkgs.linkFarm "farm" [ { name = "a/b"; path = text; } { name = "c"; path = greet; } { name = "c"; path = app; } ];
    farmSet = pkgs.linkFarm "farm-set" { x = text; "y/z" = "${greet}/bin/greet"; };
    closure = pkgs.writeClosure [ app text ];
    directRefs = pkgs.writeDirectReferencesToFile app;
    concat = pkgs.concatTextFile { name = "cat"; files = [ text text ]; destination = "/share/cat"; };
  };
  builtin = {
    envPost = pkgs.buildEnv { name = "env-post"; paths = [ greet docs ]; extraPrefix = "/usr"; postBuild = "echo post > $out/post"; };
    env = pkgs.buildEnv { name = "env"; paths = [ greet app docs ]; };
    envBin = pkgs.buildEnv { name = "env-bin"; paths = [ greet app docs ]; pathsToLink = [ "/bin" "/share/doc" ]; };
    envMerge = pkgs.buildEnv { name = "env-merge"; paths = [ docs toolA infoOther ]; };
    envSameContents = pkgs.buildEnv { name = "env-same"; paths = [ toolA toolA2 ]; };
    envIgnore = pkgs.buildEnv { name = "env-ignore"; paths = [ toolA toolB ]; ignoreCollisions = true; };
    envPriority = pkgs.buildEnv { name = "env-prio"; paths = [ toolA (lib.hiPrio toolB) ]; };
    envPrefix = pkgs.buildEnv { name = "env-prefix"; paths = [ greet ]; extraPrefix = "/opt/x"; manifest = text; };
    envClosures = pkgs.buildEnv { name = "env-closures"; paths = [ app ]; includeClosures = true; pathsToLink = [ "/bin" ]; };
    closureInfo = pkgs.closureInfo { rootPaths = [ app text ]; };
    closureInfoEmpty = pkgs.closureInfo { rootPaths = [ ]; };
  };
  failing = {
    envCollision = pkgs.buildEnv { name = "env-collision"; paths = [ toolA toolB ]; };
    envNotDir = pkgs.buildEnv { name = "env-not-dir"; paths = [ text ]; };
  };
}
