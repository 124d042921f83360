# A small nixpkgs-shaped package set for the package-index tests, built by real
# nix-build from Debian's static binaries (busybox-static, bash-static): real
# store paths, several outputs, references between paths (coreutils' and
# hello's programs are scripts run by busybox), nested `recurseIntoAttrs` sets.
{ system ? builtins.currentSystem, ... }:
let
  recurseIntoAttrs = attrs: attrs // { recurseForDerivations = true; };

  # `script` runs under busybox sh with $out (and one variable per output) set.
  mk = { pname, version, outputs ? [ "out" ], script, meta ? { } }:
    let
      drv = derivation {
        name = "${pname}-${version}";
        inherit system outputs script;
        builder = "/bin/busybox";
        args = [ "sh" "-e" "-c" "export PATH=/nonexistent; eval \"$script\"" ];
      };
      extra = { inherit pname version; meta = { description = "${pname} for the tests"; } // meta; };
      # The shape stdenv.mkDerivation gives a package: the default output, and
      # one set per output marked `outputSpecified`, all carrying pname/meta.
      common = drv // extra // builtins.listToAttrs perOutput // { all = map (o: o.value) perOutput; };
      perOutput = map
        (o: { name = o; value = common // { inherit (drv.${o}) outPath drvPath outputName; outputSpecified = true; }; })
        outputs;
    in
    common;

  bb = "/bin/busybox";

  busybox = mk {
    pname = "busybox";
    version = "1.35.0";
    meta = { license = { spdxId = "GPL-2.0-only"; free = true; }; mainProgram = "busybox"; };
    script = ''
      ${bb} mkdir -p $out/bin
      ${bb} cp ${bb} $out/bin/busybox
      for t in sh env cat ls echo mkdir; do ${bb} ln -s busybox $out/bin/$t; done
    '';
  };

  bash = mk {
    pname = "bash";
    version = "5.2";
    meta = { license = { spdxId = "GPL-3.0-or-later"; free = true; }; platforms = [ "x86_64-linux" "aarch64-linux" ]; mainProgram = "bash"; };
    script = ''
      ${bb} mkdir -p $out/bin
      ${bb} cp /bin/bash-static $out/bin/bash
      ${bb} ln -s bash $out/bin/sh
    '';
  };
in
{
  inherit busybox bash;

  bashInteractive = mk {
    pname = "bash-interactive";
    version = "5.2";
    outputs = [ "out" "dev" ];
    script = ''
      ${bb} mkdir -p $out/bin $dev/include
      ${bb} cp /bin/bash-static $out/bin/bash
      echo "/* bash headers */" > $dev/include/bash.h
    '';
  };

  coreutils = mk {
    pname = "coreutils";
    version = "9.1";
    script = ''
      ${bb} mkdir -p $out/bin
      for t in env cat ls echo mkdir id; do
        printf '#!${busybox}/bin/sh\nexec ${busybox}/bin/busybox %s "$@"\n' $t > $out/bin/$t
        ${bb} chmod +x $out/bin/$t
      done
    '';
  };

  cacert = mk {
    pname = "nss-cacert";
    version = "3.95";
    script = ''
      ${bb} mkdir -p $out/etc/ssl/certs
      echo "-----BEGIN CERTIFICATE-----" > $out/etc/ssl/certs/ca-bundle.crt
    '';
  };

  shadow = mk {
    pname = "shadow";
    version = "4.14";
    outputs = [ "out" "su" ];
    script = ''
      ${bb} mkdir -p $out/bin $su/bin
      printf '#!${busybox}/bin/sh\necho useradd "$@"\n' > $out/bin/useradd
      ${bb} chmod +x $out/bin/useradd
      ${bb} ln -s $out/bin/useradd $su/bin/su
    '';
  };

  hello = mk {
    pname = "hello";
    version = "2.12.1";
    outputs = [ "out" "dev" "lib" "bin" ];
    meta = {
      longDescription = "A program that greets.";
      homepage = "https://www.gnu.org/software/hello/";
      license = { spdxId = "GPL-3.0-or-later"; shortName = "gpl3Plus"; free = true; };
      maintainers = [ { name = "Test Person"; email = "test@example.org"; } ];
      platforms = [ "x86_64-linux" "aarch64-linux" ];
      priority = 10;
    };
    script = ''
      ${bb} mkdir -p $out/share $dev/include $lib/lib $bin/bin
      printf '#!${busybox}/bin/sh\necho "Hello, world!"\n' > $bin/bin/hello
      ${bb} chmod +x $bin/bin/hello
      echo "int hello(void);" > $dev/include/hello.h
      echo "library" > $lib/lib/libhello.so
      echo "${busybox}" > $out/share/uses-busybox
    '';
  };

  python3Packages = recurseIntoAttrs {
    requests = mk {
      pname = "python3.11-requests";
      version = "2.31.0";
      script = ''${bb} mkdir -p $out/lib/python3.11/site-packages/requests'';
    };
    idna = mk {
      pname = "python3.11-idna";
      version = "3.4";
      script = ''${bb} mkdir -p $out/lib/python3.11/site-packages/idna'';
    };
  };

  pkgsStatic = recurseIntoAttrs {
    busybox = mk {
      pname = "busybox-static";
      version = "1.35.0";
      script = ''
        ${bb} mkdir -p $out/bin
        ${bb} cp ${bb} $out/bin/busybox
      '';
    };
  };

  # nix-env does not list a derivation's inner attributes; a hand-made index
  # (or an index of such a set) can fill the prelude's stdenv this way.
  stdenv = recurseIntoAttrs {
    cc = recurseIntoAttrs {
      cc = mk {
        pname = "gcc";
        version = "13.2.0";
        outputs = [ "out" "lib" ];
        script = ''${bb} mkdir -p $out/bin $lib/lib; echo libgcc > $lib/lib/libgcc_s.so.1'';
      };
    };
  };
}
