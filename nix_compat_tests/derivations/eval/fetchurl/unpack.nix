# unpack = true: recursive hash too.
import <nix/fetchurl.nix> {
  url = "https://example.org/archive.tar.xz";
  unpack = true;
  sha256 = "0rxxhxqys25x7g2y124520wj993gw9jg9hf5b7agk7p8qls44dx9";
}
