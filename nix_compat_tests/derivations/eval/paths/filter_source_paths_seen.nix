# The filter is called once per entry, parents first, with absolute paths and entry types; each
# call is traced (made relative to the fixture) so that the order and arguments are compared too.
let
  root = toString ../../fixtures/tree;
  rel = p: builtins.substring (builtins.stringLength root) 1000 p;
in derivation {
  name = "filter-seen";
  system = "x86_64-linux";
  builder = "/bin/sh";
  src = builtins.filterSource (path: type: builtins.trace "${type} ${rel path}" (baseNameOf path != "deep")) ../../fixtures/tree;
}
