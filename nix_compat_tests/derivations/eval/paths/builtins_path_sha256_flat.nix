# builtins.path with recursive = false and the flat sha256 of the file.
derivation {
  name = "path-sha256-flat";
  system = "x86_64-linux";
  builder = "/bin/sh";
  src = builtins.path {
    path = ../../fixtures/hello.txt;
    recursive = false;
    sha256 = "11wwcqp4z75zkv06gc8vrsszzz6yl20awv51aggsw2rv1rw1yl46";
  };
}
