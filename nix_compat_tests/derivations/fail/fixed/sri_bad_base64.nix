# An SRI hash whose base64 part is too short.
derivation {
  name = "bad-fod";
  system = "x86_64-linux";
  builder = "/bin/sh";
  outputHash = "sha256-WJG1tSLV3whtD";
}
