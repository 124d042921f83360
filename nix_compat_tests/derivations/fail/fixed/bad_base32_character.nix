# A nix-base32 hash with a letter outside the alphabet (e, o, u, t).
derivation {
  name = "bad-fod";
  system = "x86_64-linux";
  builder = "/bin/sh";
  outputHashAlgo = "sha256";
  outputHash = "00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4ae";
}
