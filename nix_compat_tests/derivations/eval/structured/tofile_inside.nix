# A toFile reference inside structured attrs becomes an input source.
derivation {
  name = "structured-tofile";
  system = "x86_64-linux";
  builder = "/bin/sh";
  __structuredAttrs = true;
  script = builtins.toFile "script.sh" "echo hi";
  scripts = { setup = builtins.toFile "setup.sh" "set -e"; };
}
