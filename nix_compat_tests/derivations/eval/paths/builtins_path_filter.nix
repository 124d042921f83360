# builtins.path with a filter: excluded entries (and everything below them) are left out.
derivation {
  name = "path-filter";
  system = "x86_64-linux";
  builder = "/bin/sh";
  src = builtins.path {
    path = ../../fixtures/tree;
    name = "filtered";
    filter = path: type: !(type == "regular" && builtins.match ".*\\.log" path != null) && baseNameOf path != "bin";
  };
}
