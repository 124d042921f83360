# A tilde is not in the store path alphabet.
derivation {
  name = "backup~";
  system = "x86_64-linux";
  builder = "/bin/sh";
}
