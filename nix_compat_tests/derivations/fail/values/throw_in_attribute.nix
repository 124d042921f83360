# An error inside an attribute value surfaces when the .drv is written.
derivation {
  name = "throws";
  system = "x86_64-linux";
  builder = "/bin/sh";
  x = throw "boom from attribute";
}
