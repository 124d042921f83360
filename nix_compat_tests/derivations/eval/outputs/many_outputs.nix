# The usual nixpkgs output names, all at once.
derivation {
  name = "many";
  system = "x86_64-linux";
  builder = "/bin/sh";
  outputs = [ "bin" "out" "dev" "lib" "man" "doc" "info" "devdoc" ];
}
