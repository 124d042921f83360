# Empty and non-ASCII contents.
derivation {
  name = "tofile-contents";
  system = "x86_64-linux";
  builder = "/bin/sh";
  empty = builtins.toFile "empty" "";
  unicode = builtins.toFile "unicode.txt" "héllo ✓ 😀\n";
  multiline = builtins.toFile "multi" ''
    line 1
      "quoted" and \backslash
    tab	here
  '';
}
