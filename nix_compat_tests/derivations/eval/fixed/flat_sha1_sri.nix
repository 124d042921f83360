# Flat fixed output with an SRI sha1 hash and no outputHashAlgo: the algorithm comes from the hash.
derivation {
  name = "fixed";
  system = "x86_64-linux";
  builder = "/bin/sh";
  outputHashMode = "flat";
  outputHash = "sha1-9XLTlvrpIGYocU+yzgD3LpTyJY8=";
}
