# A path value is copied to the store; the env holds the store path.
derivation {
  name = "env-path-file";
  system = "x86_64-linux";
  builder = "/bin/sh";
  src = ../../fixtures/hello.txt;
}
