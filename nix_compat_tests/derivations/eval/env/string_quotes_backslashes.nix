# Quotes and backslashes must be escaped in the .drv's ATerm.
derivation {
  name = "env-escapes";
  system = "x86_64-linux";
  builder = "/bin/sh";
  quoted = "say \"hello\"";
  backslashes = "C:\\path\\to";
  mixed = "\\\"";
}
