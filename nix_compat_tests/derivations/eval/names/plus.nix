# Plus signs (as in gtk+ or c++).
derivation {
  name = "gtk+-3.24+git";
  system = "x86_64-linux";
  builder = "/bin/sh";
  outputs = [ "out" "dev" ];
}
