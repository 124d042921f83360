# Structured attrs cannot hold functions either.
derivation {
  name = "structured-fn";
  system = "x86_64-linux";
  builder = "/bin/sh";
  __structuredAttrs = true;
  nested = { f = x: x; };
}
