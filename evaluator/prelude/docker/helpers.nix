# dockerTools' small helpers (fakeNss, binSh, usrBinEnv, caCertificates,
# shadowSetup, referencesByPopularity), written for pydock with nixpkgs'
# names, parameters and output layouts.
#
# pydock's <nixpkgs> has no bash, coreutils, cacert or shadow package of its
# own, and it never invents one: the helpers that need a package take it from
# the package set (a package index, `--packages`, or an overlay) or from
# `.override { <package> = ...; }`, and otherwise fail, when built, with an
# error naming the missing package.
{ lib, pkgs }:
let
  inherit (pkgs) runCommand symlinkJoin writeTextDir runtimeShell;

  missing = package: helper: throw (
    "dockerTools.${helper} needs the package '${package}', which pydock's <nixpkgs> does not provide; "
    + "add it to the package set with an overlay (overlays = [ (self: super: { ${package} = ...; }) ])"
    + lib.optionalString (helper != "shadowSetup") " or use dockerTools.${helper}.override { ${package} = ...; }"
  );
  fromPkgs = package: helper: pkgs.${package} or (missing package helper);

  lines = ls: lib.concatStrings (map (line: line + "\n") ls);
in
{
  # /etc/passwd, /etc/group and /etc/nsswitch.conf with root and nobody, and
  # an empty /var/empty (nixpkgs' pkgs.fakeNss).
  fakeNss = lib.makeOverridable ({ extraPasswdLines ? [ ], extraGroupLines ? [ ] }:
    symlinkJoin {
      name = "fake-nss";
      paths = [
        (writeTextDir "etc/passwd" (
          "root:x:0:0:root user:/var/empty:/bin/sh\n"
          + lines extraPasswdLines
          + "nobody:x:65534:65534:nobody:/var/empty:/bin/sh\n"))
        (writeTextDir "etc/group" ("root:x:0:\n" + lines extraGroupLines + "nobody:x:65534:\n"))
        (writeTextDir "etc/nsswitch.conf" "hosts: files dns\n")
        (runCommand "var-empty" { } ''
          mkdir -p "$out/var/empty"
        '')
      ];
    }) { };

  # /usr/bin/env -> coreutils' env.
  usrBinEnv = lib.makeOverridable ({ coreutils ? fromPkgs "coreutils" "usrBinEnv" }:
    runCommand "usr-bin-env" { } ''
      mkdir -p "$out/usr/bin"
      ln -s ${coreutils}/bin/env "$out/usr/bin"
    '') { };

  # /bin/sh -> bash. As in current nixpkgs the shell is bashInteractive when the
  # package set has it (so `docker run -it` gets readline), else bash.
  binSh = lib.makeOverridable ({ bash ? pkgs.bashInteractive or (fromPkgs "bash" "binSh") }:
    runCommand "bin-sh" { } ''
      mkdir -p "$out/bin"
      ln -s ${bash}/bin/bash "$out/bin/sh"
    '') { };

  # The CA bundle of `cacert` where the common distributions look for it.
  caCertificates = lib.makeOverridable ({ cacert ? fromPkgs "cacert" "caCertificates" }:
    runCommand "ca-certificates" { } ''
      mkdir -p "$out/etc/ssl/certs" "$out/etc/pki/tls/certs"
      # Old NixOS compatibility.
      ln -s ${cacert}/etc/ssl/certs/ca-bundle.crt "$out/etc/ssl/certs/ca-bundle.crt"
      # NixOS canonical location, Debian/Ubuntu/Arch/Gentoo compatibility.
      ln -s ${cacert}/etc/ssl/certs/ca-bundle.crt "$out/etc/ssl/certs/ca-certificates.crt"
      # CentOS/Fedora compatibility.
      ln -s ${cacert}/etc/ssl/certs/ca-bundle.crt "$out/etc/pki/tls/certs/ca-bundle.crt"
    '') { };

  # For runAsRoot / fakeRootCommands: shadow's tools on PATH and the minimal
  # passwd/shadow/group/gshadow/PAM files they need.
  shadowSetup = let shadow = fromPkgs "shadow" "shadowSetup"; in ''
    export PATH=${shadow}/bin:$PATH
    mkdir -p /etc/pam.d
    if [[ ! -f /etc/passwd ]]; then
      echo "root:x:0:0::/root:${runtimeShell}" > /etc/passwd
      echo "root:!x:::::::" > /etc/shadow
    fi
    if [[ ! -f /etc/group ]]; then
      echo "root:x:0:" > /etc/group
      echo "root:x::" > /etc/gshadow
    fi
    if [[ ! -f /etc/pam.d/other ]]; then
      cat > /etc/pam.d/other <<EOF
    account sufficient pam_unix.so
    auth sufficient pam_rootok.so
    password requisite pam_unix.so nullok yescrypt
    session required pam_unix.so
    EOF
    fi
    if [[ ! -f /etc/login.defs ]]; then
      touch /etc/login.defs
    fi
  '';

  # The closure of `path`, most popular path first, one per line.
  referencesByPopularity = path: pkgs.builtinDerivation {
    name = "closure-paths";
    builder = "references-by-popularity";
    __structuredAttrs = true;
    exportReferencesGraph.graph = path;
    preferLocalBuild = true;
  };
}
