# Attributes with a meaning for the builder (exportReferencesGraph, allowedReferences,
# impureEnvVars, ...) are ordinary env entries at instantiation time.
let
  dep = derivation { name = "dep"; system = "x86_64-linux"; builder = "/bin/sh"; };
in derivation {
  name = "nixpkgs-like";
  system = "x86_64-linux";
  builder = "/bin/sh";
  exportReferencesGraph = [ "graph" dep ];
  allowedReferences = [ "out" dep ];
  disallowedRequisites = [ ];
  impureEnvVars = [ "http_proxy" ];
  preferLocalBuild = true;
  allowSubstitutes = false;
  requiredSystemFeatures = [ "kvm" "big-parallel" ];
  outputs = [ "out" "dev" ];
}
