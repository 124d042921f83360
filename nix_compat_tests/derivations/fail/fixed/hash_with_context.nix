# outputHash may carry context, but then it is no hash: a store path parses as an SRI hash with an unknown type.
derivation {
  name = "bad-fod";
  system = "x86_64-linux";
  builder = "/bin/sh";
  outputHashAlgo = "sha256";
  outputHash = "${builtins.toFile "h" "x"}";
}
