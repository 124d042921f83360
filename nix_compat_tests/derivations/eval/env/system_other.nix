# `system` is just a string: any platform name is accepted at instantiation time.
derivation {
  name = "other-system";
  system = "aarch64-darwin";
  builder = "/bin/sh";
}
