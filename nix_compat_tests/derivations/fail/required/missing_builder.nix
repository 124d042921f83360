# No builder.
derivation {
  name = "no-builder";
  system = "x86_64-linux";
}
