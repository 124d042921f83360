# A fixed-output derivation with structured attrs.
derivation {
  name = "structured-fixed";
  system = "x86_64-linux";
  builder = "/bin/sh";
  __structuredAttrs = true;
  outputHashMode = "recursive";
  outputHashAlgo = "sha256";
  outputHash = "0rxxhxqys25x7g2y124520wj993gw9jg9hf5b7agk7p8qls44dx9";
  extra = [ 1 2 3 ];
}
