# Lists in the environment are joined with single spaces.
derivation {
  name = "env-list";
  system = "x86_64-linux";
  builder = "/bin/sh";
  list = [ "a" "b" "c d" ];
  single = [ "only" ];
  empty = [ ];
}
