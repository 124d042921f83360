# Flat fixed output, sha1 given in base32: the output path depends only on the hash and name.
derivation {
  name = "fixed";
  system = "x86_64-linux";
  builder = "/bin/sh";
  outputHashMode = "flat";
  outputHashAlgo = "sha1";
  outputHash = "iwjz551fyw0cxcjgf4l6c879zabd6wpm";
}
