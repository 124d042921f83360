# `__structuredAttrs = false` behaves like no structured attrs (and is itself an env var).
derivation {
  name = "structured-false";
  system = "x86_64-linux";
  builder = "/bin/sh";
  __structuredAttrs = false;
  list = [ "a" "b" ];
}
