# Output names listed out of order: the .drv lists outputs sorted, the default stays the first listed.
derivation {
  name = "unsorted";
  system = "x86_64-linux";
  builder = "/bin/sh";
  outputs = [ "zz" "aa" "mm" ];
}
