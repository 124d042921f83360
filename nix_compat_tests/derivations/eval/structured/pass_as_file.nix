# passAsFile under structured attrs is just another JSON value.
derivation {
  name = "structured-passasfile";
  system = "x86_64-linux";
  builder = "/bin/sh";
  __structuredAttrs = true;
  passAsFile = [ "big" ];
  big = "lots of text";
}
