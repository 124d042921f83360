# A single executable file keeps its executable bit in the store.
derivation {
  name = "exec-file";
  system = "x86_64-linux";
  builder = "/bin/sh";
  script = ../../fixtures/builder.sh;
  tool = ../../fixtures/tree/bin/tool;
}
