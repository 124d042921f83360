# A set with outPath is coerced to it; a set with __toString to its result.
derivation {
  name = "env-coercible-sets";
  system = "x86_64-linux";
  builder = "/bin/sh";
  withOutPath = { outPath = "/some/where"; };
  withToString = { __toString = self: "str:${self.v}"; v = "value"; };
}
