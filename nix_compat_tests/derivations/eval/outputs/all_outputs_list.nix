# `drv.all` lists every output; instantiating the list prints one line per output.
(derivation {
  name = "all-list";
  system = "x86_64-linux";
  builder = "/bin/sh";
  outputs = [ "out" "bin" "man" ];
}).all
