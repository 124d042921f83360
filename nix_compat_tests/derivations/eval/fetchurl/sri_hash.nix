# fetchurl with an SRI `hash` and an explicit name.
import <nix/fetchurl.nix> {
  url = "https://example.org/f?download=1";
  name = "file.bin";
  hash = "sha256-WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgM=";
}
