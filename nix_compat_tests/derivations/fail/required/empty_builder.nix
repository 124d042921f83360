# An empty builder counts as missing.
derivation {
  name = "empty-builder";
  system = "x86_64-linux";
  builder = "";
}
