# storePath of a copied directory gives back the path with its context.
let
  dir = "${../../fixtures/tree}";
  plain = builtins.unsafeDiscardStringContext dir;
in {
  same = builtins.storePath plain == dir;
  ctx = builtins.getContext (builtins.storePath plain);
  user = derivation {
    name = "storepath-dir";
    system = "x86_64-linux";
    builder = "/bin/sh";
    src = builtins.storePath plain;
  };
}
