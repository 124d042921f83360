# Selecting a non-default output: nix-instantiate prints `drv!dev`.
(derivation {
  name = "with-dev";
  system = "x86_64-linux";
  builder = "/bin/sh";
  outputs = [ "out" "dev" ];
}).dev
