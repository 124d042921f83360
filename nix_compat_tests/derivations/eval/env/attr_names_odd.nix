# Attribute names need not be shell identifiers; all become env entries, sorted.
derivation {
  name = "env-odd-names";
  system = "x86_64-linux";
  builder = "/bin/sh";
  "foo-bar" = "dash";
  "a.b" = "dot";
  "with space" = "space";
  "ünïcödé" = "unicode";
  "UPPER" = "upper";
  "_under" = "underscore";
  "1digit" = "digit";
}
