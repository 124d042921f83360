# storePath of a path already in the store (written by toFile) re-attaches its context.
let
  file = builtins.toFile "store-path-target" "contents";
  plain = builtins.unsafeDiscardStringContext file;
  again = builtins.storePath plain;
in {
  same = again == file;
  ctx = builtins.getContext again;
  user = derivation { name = "storepath-user"; system = "x86_64-linux"; builder = "/bin/sh"; src = again; };
}
