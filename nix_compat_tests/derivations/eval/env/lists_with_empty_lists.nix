# Empty lists inside a list: Nix's separator rule skips the space after an empty sublist.
derivation {
  name = "env-empty-sublists";
  system = "x86_64-linux";
  builder = "/bin/sh";
  leading = [ [ ] "a" ];
  middle = [ "a" [ ] "b" ];
  trailing = [ "a" [ ] ];
  only = [ [ ] [ ] ];
  mixed = [ "a" [ ] [ ] "b" [ ] ];
}
