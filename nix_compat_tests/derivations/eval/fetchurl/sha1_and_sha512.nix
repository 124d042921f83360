# The older hash attributes: sha1 and sha512.
{
  a = import <nix/fetchurl.nix> { url = "https://example.org/a.txt"; sha1 = "iwjz551fyw0cxcjgf4l6c879zabd6wpm"; };
  b = import <nix/fetchurl.nix> {
    url = "https://example.org/b.txt";
    sha512 = "e7c22b994c59d9cf2b48e549b1e24666636045930d3da7c1acb299d1c3b7f931f94aae41edda2c2b207a36e10f8bcb8d45223e54878f5b316e7ce3b6bc019629";
  };
}
