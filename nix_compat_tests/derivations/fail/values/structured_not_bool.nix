# __structuredAttrs must be a bool.
derivation {
  name = "structured-str";
  system = "x86_64-linux";
  builder = "/bin/sh";
  __structuredAttrs = 1;
}
