# The usual pname-version form.
derivation {
  name = "gnu-hello-2.12.1";
  system = "x86_64-linux";
  builder = "/bin/sh";
  outputs = [ "out" "dev" ];
}
