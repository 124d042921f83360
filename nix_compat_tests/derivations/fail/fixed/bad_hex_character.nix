# A hex hash with a non-hex character.
derivation {
  name = "bad-fod";
  system = "x86_64-linux";
  builder = "/bin/sh";
  outputHashAlgo = "sha1";
  outputHash = "g572d396fae9206628714fb2ce00f72e94f2258f";
}
