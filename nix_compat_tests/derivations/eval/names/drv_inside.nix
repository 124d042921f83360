# `.drv` is only rejected at the end of a name.
derivation {
  name = "foo.drv.bar";
  system = "x86_64-linux";
  builder = "/bin/sh";
  outputs = [ "out" "dev" ];
}
