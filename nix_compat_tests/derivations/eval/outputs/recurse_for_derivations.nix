# nix-instantiate collects derivations from a set's attributes, and from nested sets only when
# they have `recurseForDerivations = true`.
let
  mk = name: derivation { inherit name; system = "x86_64-linux"; builder = "/bin/sh"; };
in {
  a = mk "top-a";
  nested = { recurseForDerivations = true; b = mk "nested-b"; };
  hidden = { c = mk "hidden-c"; };
  z = mk "top-z";
}
