# Three outputs: each gets its own output path, all share one drvPath.
derivation {
  name = "multi";
  system = "x86_64-linux";
  builder = "/bin/sh";
  outputs = [ "out" "dev" "lib" ];
}
