# Paths inside structured attrs are copied to the store like in the environment.
derivation {
  name = "structured-paths";
  system = "x86_64-linux";
  builder = "/bin/sh";
  __structuredAttrs = true;
  file = ../../fixtures/hello.txt;
  nested = { dir = ../../fixtures/tree; list = [ ../../fixtures/unicode.txt ]; };
}
