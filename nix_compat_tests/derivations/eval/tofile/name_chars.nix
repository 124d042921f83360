# toFile names may use the whole store-name alphabet.
derivation {
  name = "tofile-names";
  system = "x86_64-linux";
  builder = "/bin/sh";
  files = [
    (builtins.toFile "a.b-c_d+e" "1")
    (builtins.toFile "q?x=y" "2")
    (builtins.toFile ".hidden" "3")
  ];
}
