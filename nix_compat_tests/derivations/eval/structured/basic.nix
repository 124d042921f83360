# __structuredAttrs puts every attribute into one JSON env var `__json`.
derivation {
  name = "structured";
  system = "x86_64-linux";
  builder = "/bin/sh";
  __structuredAttrs = true;
  greeting = "hello";
  count = 3;
}
