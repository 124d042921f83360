# An output name that is not a valid store path name.  Structured attrs take the outputs list as
# is (without them the list would be joined and re-split at the space, see
# eval/outputs/outputs_tokenized.nix).
derivation {
  name = "space-output";
  system = "x86_64-linux";
  builder = "/bin/sh";
  __structuredAttrs = true;
  outputs = [ "out" "has space" ];
}
