# `args` stays the builder's argv, it is not part of `__json`.
derivation {
  name = "structured-args";
  system = "x86_64-linux";
  builder = "/bin/sh";
  __structuredAttrs = true;
  args = [ "-c" "exit 0" ];
  other = "x";
}
