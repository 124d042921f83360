# An output called `drv` would clash with drvPath.
derivation {
  name = "drv-output";
  system = "x86_64-linux";
  builder = "/bin/sh";
  outputs = [ "out" "drv" ];
}
