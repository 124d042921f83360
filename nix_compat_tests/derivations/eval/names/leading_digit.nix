# Names may start with a digit.
derivation {
  name = "0ad-0.0.26";
  system = "x86_64-linux";
  builder = "/bin/sh";
  outputs = [ "out" "dev" ];
}
