# builtins.path with a name: same contents, different store path.
derivation {
  name = "path-named";
  system = "x86_64-linux";
  builder = "/bin/sh";
  src = builtins.path { path = ../../fixtures/tree; name = "source"; };
  file = builtins.path { path = ../../fixtures/hello.txt; name = "greeting-1.0.txt"; };
}
