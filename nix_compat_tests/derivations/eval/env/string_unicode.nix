# Non-ASCII text is written to the .drv as UTF-8 bytes.
derivation {
  name = "env-unicode";
  system = "x86_64-linux";
  builder = "/bin/sh";
  greek = "αβγ";
  emoji = "😀 ✓";
  accented = "héllo wörld";
}
