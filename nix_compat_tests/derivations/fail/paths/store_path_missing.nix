# storePath of a store path that is not valid in the store.  Only instantiation checks validity:
# Nix's --eval does not in its default read-only mode, and neither does pydock's read-only eval.
# only: instantiate
derivation {
  name = "storepath-missing";
  system = "x86_64-linux";
  builder = "/bin/sh";
  src = builtins.storePath "/nix/store/00000000000000000000000000000000-nonexistent";
}
