# The builder may point into a copied directory.
derivation {
  name = "builder-in-tree";
  system = "x86_64-linux";
  builder = "${../../fixtures/tree}/bin/tool";
}
