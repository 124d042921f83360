# Nested sets and lists keep their structure in `__json`; keys come out sorted.
derivation {
  name = "structured-nested";
  system = "x86_64-linux";
  builder = "/bin/sh";
  __structuredAttrs = true;
  config = {
    zeta = [ 1 2 { deep = [ "a" [ "b" ] ]; } ];
    alpha = { enabled = true; disabled = false; nothing = null; };
    "key with space" = "v";
  };
  empty = { };
  emptyList = [ ];
}
