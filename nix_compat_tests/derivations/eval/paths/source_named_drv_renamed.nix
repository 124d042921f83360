# A file named *.drv can still be added under another name with builtins.path.
derivation {
  name = "drv-source-renamed";
  system = "x86_64-linux";
  builder = "/bin/sh";
  src = builtins.path { path = ../../fixtures/bogus.drv; name = "bogus-drv.txt"; };
}
