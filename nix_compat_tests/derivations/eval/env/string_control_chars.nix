# Control characters other than \n \t \r are written verbatim.
derivation {
  name = "env-control";
  system = "x86_64-linux";
  builder = "/bin/sh";
  ctrl = builtins.fromJSON "\"a\\u0001b\\u001bc\\u007fd\"";
}
