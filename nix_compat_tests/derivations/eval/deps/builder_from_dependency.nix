# The builder itself can come from a dependency.
let
  shell = derivation { name = "shell"; system = "x86_64-linux"; builder = "/bin/sh"; outputs = [ "out" "bin" ]; };
in derivation {
  name = "built-by-dep";
  system = "x86_64-linux";
  builder = "${shell.bin}/bin/sh";
  args = [ "-c" "true" ];
}
