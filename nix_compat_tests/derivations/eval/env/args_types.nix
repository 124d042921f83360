# args elements are coerced like env values (ints, bools, paths), but kept as separate argv entries.
derivation {
  name = "env-args";
  system = "x86_64-linux";
  builder = "/bin/sh";
  args = [ "-c" 1 true false null 2.5 "with space" ../../fixtures/hello.txt ];
}
