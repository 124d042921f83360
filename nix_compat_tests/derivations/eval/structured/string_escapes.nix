# JSON string escaping of quotes, backslashes, control characters and unicode.
derivation {
  name = "structured-strings";
  system = "x86_64-linux";
  builder = "/bin/sh";
  __structuredAttrs = true;
  quotes = "say \"hi\"";
  backslash = "a\\b";
  whitespace = "line1\nline2\ttab\rcr";
  control = builtins.fromJSON "\"\\u0001\\u001f\\u007f\"";
  unicode = "héllo wörld ✓ 😀";
  slash = "a/b</script>";
  dollar = "\${not interpolated}";
}
