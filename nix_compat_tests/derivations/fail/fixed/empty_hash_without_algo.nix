# An empty outputHash needs an explicit algorithm.
derivation {
  name = "bad-fod";
  system = "x86_64-linux";
  builder = "/bin/sh";
  outputHash = "";
}
