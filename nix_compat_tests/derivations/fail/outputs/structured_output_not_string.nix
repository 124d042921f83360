# Under structured attrs, outputs must be a list of strings.
derivation {
  name = "structured-bad-outputs";
  system = "x86_64-linux";
  builder = "/bin/sh";
  __structuredAttrs = true;
  outputs = [ "out" 1 ];
}
