# A toFile as the builder (a script) and as an argument.
let
  script = builtins.toFile "builder.sh" "echo building > $out";
in derivation {
  name = "tofile-builder";
  system = "x86_64-linux";
  builder = "/bin/sh";
  args = [ script ];
}
