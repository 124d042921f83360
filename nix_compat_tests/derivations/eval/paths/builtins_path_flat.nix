# recursive = false adds a single file by flat hash (a different store path than recursive).
derivation {
  name = "path-flat";
  system = "x86_64-linux";
  builder = "/bin/sh";
  flat = builtins.path { path = ../../fixtures/hello.txt; recursive = false; name = "hello-flat"; };
  nar = builtins.path { path = ../../fixtures/hello.txt; recursive = true; name = "hello-nar"; };
}
