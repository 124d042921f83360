# Newlines, tabs and carriage returns are escaped in the ATerm as \n, \t, \r.
derivation {
  name = "env-whitespace";
  system = "x86_64-linux";
  builder = "/bin/sh";
  multiline = "line one\nline two\n";
  tabs = "a\tb";
  cr = "a\rb";
  indented = ''
    first
      second
  '';
}
