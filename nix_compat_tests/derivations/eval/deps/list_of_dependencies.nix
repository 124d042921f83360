# A list of derivations in an attribute: joined with spaces, every element a dependency.
let
  mk = name: derivation { inherit name; system = "x86_64-linux"; builder = "/bin/sh"; };
in derivation {
  name = "many-deps";
  system = "x86_64-linux";
  builder = "/bin/sh";
  buildInputs = [ (mk "dep-1") (mk "dep-2") (mk "dep-3") ];
}
