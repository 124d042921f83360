# <nix/fetchurl.nix>: a flat fixed-output derivation built by builtin:fetchurl.
import <nix/fetchurl.nix> {
  url = "https://example.org/downloads/hello-2.12.tar.gz";
  sha256 = "00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4aq";
}
