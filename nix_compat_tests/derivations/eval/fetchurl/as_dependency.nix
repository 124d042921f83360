# A fetchurl result used as a source of another derivation.
let
  src = import <nix/fetchurl.nix> {
    url = "https://example.org/src.tar.gz";
    sha256 = "00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4aq";
  };
in derivation { name = "from-fetchurl"; system = "x86_64-linux"; builder = "/bin/sh"; inherit src; }
