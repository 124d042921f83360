# With __ignoreNulls, null attributes are left out of the environment entirely.
derivation {
  name = "env-ignore-nulls";
  system = "x86_64-linux";
  builder = "/bin/sh";
  __ignoreNulls = true;
  dropped = null;
  kept = "yes";
  emptyKept = "";
  listWithNull = [ null "x" ];
}
