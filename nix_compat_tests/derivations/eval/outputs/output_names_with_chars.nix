# Output names with dashes, underscores, dots and digits are allowed in store path names.
derivation {
  name = "odd-outputs";
  system = "x86_64-linux";
  builder = "/bin/sh";
  outputs = [ "out" "dev-man" "lib_64" "x.y" "2nd" ];
}
