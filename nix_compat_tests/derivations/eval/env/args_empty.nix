# An empty args list.
derivation {
  name = "env-no-args";
  system = "x86_64-linux";
  builder = "/bin/sh";
  args = [ ];
}
