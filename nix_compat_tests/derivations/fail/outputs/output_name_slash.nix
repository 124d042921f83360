# A slash in an output name.
derivation {
  name = "slash-output";
  system = "x86_64-linux";
  builder = "/bin/sh";
  outputs = [ "a/b" ];
}
