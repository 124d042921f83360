# passAsFile does not change the .drv: the attributes stay in the env, listed in passAsFile.
derivation {
  name = "env-passasfile";
  system = "x86_64-linux";
  builder = "/bin/sh";
  passAsFile = [ "text" "other" ];
  text = "a long text";
  other = "x";
}
