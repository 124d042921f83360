# A toFile referring to copied paths (a file and a directory).
let
  conf = builtins.toFile "conf" ''
    file=${../../fixtures/hello.txt}
    dir=${../../fixtures/tree}
  '';
in derivation {
  name = "tofile-paths";
  system = "x86_64-linux";
  builder = "/bin/sh";
  inherit conf;
}
