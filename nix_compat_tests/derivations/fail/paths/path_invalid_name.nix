# builtins.path with a name that is not a valid store path name.
derivation {
  name = "path-bad-name";
  system = "x86_64-linux";
  builder = "/bin/sh";
  src = builtins.path { path = ../../fixtures/hello.txt; name = "bad name"; };
}
