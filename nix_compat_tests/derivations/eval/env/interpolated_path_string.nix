# "${./path}" copies the path like a bare path value.
derivation {
  name = "env-interp-path";
  system = "x86_64-linux";
  builder = "/bin/sh";
  file = "${../../fixtures/hello.txt}";
  withSuffix = "${../../fixtures/tree}/bin/tool";
}
