# The simplest derivation: one default output `out`, an args list and a builder string.
derivation {
  name = "single";
  system = "x86_64-linux";
  builder = "/bin/sh";
  args = [ "-c" "echo hi > $out" ];
}
