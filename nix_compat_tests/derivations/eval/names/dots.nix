# Dots in names, e.g. versions.
derivation {
  name = "hello.world.1.2.3";
  system = "x86_64-linux";
  builder = "/bin/sh";
  outputs = [ "out" "dev" ];
}
