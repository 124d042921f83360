# __ignoreNulls drops null attributes from `__json` too, but not nulls nested deeper.
derivation {
  name = "structured-nulls";
  system = "x86_64-linux";
  builder = "/bin/sh";
  __structuredAttrs = true;
  __ignoreNulls = true;
  dropped = null;
  kept = { inner = null; };
  list = [ null ];
}
