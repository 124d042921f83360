# A derivation using a fixed-output one: its inputDrvs name the FOD's .drv.
let
  src = derivation {
    name = "src.tar";
    system = "x86_64-linux";
    builder = "/bin/sh";
    outputHashMode = "recursive";
    outputHashAlgo = "sha256";
    outputHash = "0rxxhxqys25x7g2y124520wj993gw9jg9hf5b7agk7p8qls44dx9";
  };
in derivation { name = "unpacked"; system = "x86_64-linux"; builder = "/bin/sh"; inherit src; }
