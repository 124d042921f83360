# __ignoreNulls = false keeps nulls as empty strings, and is itself never an env var.
derivation {
  name = "env-keep-nulls";
  system = "x86_64-linux";
  builder = "/bin/sh";
  __ignoreNulls = false;
  kept = null;
}
