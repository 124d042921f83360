# Nested lists flatten into one space-separated string.
derivation {
  name = "env-nested";
  system = "x86_64-linux";
  builder = "/bin/sh";
  nested = [ "a" [ "b" [ "c" "d" ] ] "e" ];
  deep = [ [ [ "x" ] ] ];
}
