# A long value (10k characters) goes into the .drv verbatim.
derivation {
  name = "env-large";
  system = "x86_64-linux";
  builder = "/bin/sh";
  big = builtins.concatStringsSep "," (builtins.genList toString 2000);
}
