# The builder may be a path: it is copied to the store with its executable bit.
derivation {
  name = "env-builder-path";
  system = "x86_64-linux";
  builder = ../../fixtures/builder.sh;
  args = [ "arg" ];
}
