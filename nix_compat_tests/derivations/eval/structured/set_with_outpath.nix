# A set with outPath (not a derivation) is rendered as its outPath in JSON.
derivation {
  name = "structured-outpath";
  system = "x86_64-linux";
  builder = "/bin/sh";
  __structuredAttrs = true;
  thing = { outPath = "some-path"; other = 1; };
  tostring = { __toString = self: "via toString"; };
}
