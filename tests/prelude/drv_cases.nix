# Derivations and attributes of the prelude's builders; the tests compare
# pydock's evaluation of this file (drv/out paths and plain values) with
# real Nix's. `pkgs` is pydock's <nixpkgs>.
{ pkgs ? import <nixpkgs> { } }:
let
  inherit (pkgs) lib;
  text = pkgs.writeText "text" "hello\n";
  bin = pkgs.writeScriptBin "greet" "#!/bin/sh\necho hi\n";
  app = pkgs.writeShellApplication {
    name = "app";
    text = "greet";
    runtimeInputs = [ bin ];
    runtimeEnv = { MODE = "a b"; LIST = [ 1 2 ]; };
  };
  called = pkgs.callPackage ./called_pkg.nix { };
  mk = pkgs.stdenv.mkDerivation (finalAttrs: {
    pname = "mk";
    version = "1.0";
    outputs = [ "out" "bin" ];
    buildCommand = "echo ${finalAttrs.version} > $out; mkdir $bin";
    passthru.tag = "t";
    meta.mainProgram = "mk";
  });
  # mkShell and the nix-shell images; the images' packages come from an overlay.
  shell = pkgs.mkShell {
    packages = [ bin ];
    inputsFrom = [ (pkgs.mkShell { nativeBuildInputs = [ text ]; buildInputs = [ app ]; shellHook = "echo from"; }) mk ];
    buildInputs = [ app ];
    VAR = "v";
    shellHook = "echo own";
  };
  withPackages = import <nixpkgs> {
    overlays = [
      (final: prev: {
        bash = prev.writeScriptBin "bash" "#!/bin/sh\n";
        bashInteractive = final.bash;
        coreutils = prev.writeScriptBin "env" "#!/bin/sh\n";
        cacert = prev.writeTextDir "etc/ssl/certs/ca-bundle.crt" "";
      })
    ];
  };
  shellEnv = pkgs.devShellTools.unstructuredDerivationInputEnv { inherit (shell) drvAttrs; }
    // pkgs.devShellTools.derivationOutputEnv { outputList = mk.outputs; outputMap = mk; };
in
{
  drvs = {
    inherit text bin app called mk;
    textFile = pkgs.writeTextFile { name = "tf"; text = "x"; executable = true; destination = "/share/tf"; };
    textDir = pkgs.writeTextDir "etc/conf.d/a.conf" "a=1";
    script = pkgs.writeScript "s" "echo";
    shellScript = pkgs.writeShellScript "ss" "echo ss";
    shellScriptBin = pkgs.writeShellScriptBin "ssb" "echo ssb";
    run = pkgs.runCommand "run" { FOO = "bar"; passthru.p = 1; } "echo $FOO > $out";
    runLocal = pkgs.runCommandLocal "run-local" { } "touch $out";
    runCC = pkgs.runCommandCC "run-cc" { } "touch $out";
    runNoCC = pkgs.runCommandNoCC "run-nocc" { } "touch $out";
    join = pkgs.symlinkJoin { name = "join"; paths = [ text bin [ app ] ]; postBuild = "echo done"; };
    joinPname = pkgs.symlinkJoin { pname = "joined"; version = "2"; paths = [ bin ]; stripPrefix = "/bin"; };
    env = pkgs.buildEnv { name = "env"; paths = [ bin app ]; pathsToLink = [ "/bin" ]; };
    envPost = pkgs.buildEnv { name = "env-post"; paths = [ bin ]; postBuild = "ls $out"; extraPrefix = "/usr"; };
    envClosures = pkgs.buildEnv { name = "env-cl"; paths = [ app ]; includeClosures = true; };
    farmList = pkgs.linkFarm "farm" [ { name = "a/b"; path = text; } { name = "c"; path = bin; } ];
    farmSet = pkgs.linkFarm "farm-set" { x = text; "y/z" = bin; };
    farmDrvs = pkgs.linkFarmFromDrvs "farm-drvs" [ text bin ];
    closure = pkgs.closureInfo { rootPaths = [ app text ]; };
    closureEmpty = pkgs.closureInfo { rootPaths = [ ]; };
    writeClosure = pkgs.writeClosure [ app ];
    refsToFile = pkgs.writeReferencesToFile app;
    directRefs = pkgs.writeDirectReferencesToFile app;
    concat = pkgs.concatTextFile { name = "cat"; files = [ text text ]; destination = "/x"; };
    overridden = mk.overrideAttrs (prev: { version = "2.0"; });
    overriddenFinal = mk.overrideAttrs (final: prev: { pname = "mk2"; });
    envOverride = (pkgs.buildEnv { name = "e1"; paths = [ bin ]; }).override { name = "e2"; };
    calledOverride = called.override { extra = "y"; };
    inherit shell;
    shellNoCC = pkgs.mkShellNoCC { name = "nocc"; packages = [ text ]; };
    shellPassAsFile = pkgs.mkShell { big = "x"; passAsFile = [ "big" ]; };
    nixShellImage = withPackages.dockerTools.streamNixShellImage { drv = shell; run = "echo $VAR"; };
    nixShellImageCommand = withPackages.dockerTools.streamNixShellImage {
      drv = mk; name = "mk-shell"; tag = "t"; uid = 7; gid = 8; homeDirectory = "/home/u"; command = "true";
    };
    nixShellImageFile = withPackages.dockerTools.buildNixShellImage { drv = shell; compressor = "zstd"; };
    nixShellConf = (withPackages.dockerTools.streamNixShellImage { drv = shell; }).conf;
  };
  values = {
    appExe = lib.getExe app;
    shellScriptBinExe = lib.getExe (pkgs.writeShellScriptBin "ssb" "echo ssb");
    textDirName = (pkgs.writeTextDir "etc/conf.d/a.conf" "a=1").name;
    mkName = mk.name;
    mkBinExe = lib.getExe mk;
    mkTag = mk.tag;
    mkOutputs = mk.outputs;
    mkBinOutputName = mk.bin.outputName;
    mkMeta = { inherit (mk.meta) name outputsToInstall mainProgram; };
    overriddenVersion = (mk.overrideAttrs (prev: { version = "2.0"; })).version;
    runP = (pkgs.runCommand "run" { passthru.p = 1; } "").p;
    farmEntries = builtins.attrNames (pkgs.linkFarm "farm" [ { name = "a"; path = text; } { name = "a"; path = bin; } ]).entries;
    envPaths = builtins.length (pkgs.buildEnv { name = "env"; paths = [ bin app ]; }).paths;
    platform = { inherit (pkgs.stdenv.hostPlatform) system isLinux; goarch = pkgs.stdenv.hostPlatform.go.GOARCH; };
    runtimeShell = pkgs.runtimeShell;
    # cleanSource keeps what nixpkgs' filter keeps: here only keep.txt and sub/keep.txt.
    cleanSource = (lib.cleanSource ./source_fixture).outPath == builtins.path {
      path = ./source_fixture;
      name = "source";
      filter = path: type: builtins.elem (baseNameOf path) [ "keep.txt" "sub" ];
    };
    cleanSourceName = (lib.cleanSourceWith { src = lib.cleanSource ./source_fixture; name = "src"; }).name;
    shellInputs = { inherit (shell) buildInputs nativeBuildInputs propagatedBuildInputs shellHook phases; };
    inherit shellEnv;
    shellValueToString = map pkgs.devShellTools.valueToString [ "s" 1 true false null [ "a" [ "b" 2 ] ] ./called_pkg.nix mk 1.5 ];
    nixShellImageNames = { inherit (withPackages.dockerTools.buildNixShellImage { drv = shell; }) name imageName imageTag; };
    overlay = (import <nixpkgs> { overlays = [ (final: prev: { answer = 42; twice = final.answer * 2; }) ]; }).twice;
  };
}
