# toFile writes a text file into the store; its path depends on name and contents only.
derivation {
  name = "tofile-user";
  system = "x86_64-linux";
  builder = "/bin/sh";
  script = builtins.toFile "script.sh" "#!/bin/sh\necho hello\n";
}
