# Structured attrs with several outputs: `outputs` is a JSON list, outputs are env vars.
derivation {
  name = "structured-outputs";
  system = "x86_64-linux";
  builder = "/bin/sh";
  __structuredAttrs = true;
  outputs = [ "out" "dev" "doc" ];
}
