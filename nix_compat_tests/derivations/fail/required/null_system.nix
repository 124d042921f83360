# A null system coerces to "" and counts as missing.
derivation {
  name = "null-system";
  system = null;
  builder = "/bin/sh";
}
