# storePath only accepts paths inside the store.
derivation {
  name = "storepath-outside";
  system = "x86_64-linux";
  builder = "/bin/sh";
  src = builtins.storePath (toString ../../fixtures/hello.txt);
}
