# pydock's <nix/fetchurl.nix> (same attributes, so the same store paths, as Nix's own; see the end)
{ system ? "" # unused, accepted for old callers
, url
, hash ? "" # SRI form
, md5 ? ""
, sha1 ? ""
, sha256 ? ""
, sha512 ? ""
, outputHash ? (
    if hash != "" then hash
    else if sha512 != "" then sha512
    else if sha1 != "" then sha1
    else if md5 != "" then md5
    else sha256)
, outputHashAlgo ? (
    if hash != "" then ""
    else if sha512 != "" then "sha512"
    else if sha1 != "" then "sha1"
    else if md5 != "" then "md5"
    else "sha256")
, executable ? false
, unpack ? false
, name ? baseNameOf (toString url)
}:
derivation {
  inherit name url executable unpack outputHash outputHashAlgo;
  builder = "builtin:fetchurl";
  system = "builtin";
  outputHashMode = if unpack || executable then "recursive" else "flat";
  preferLocalBuild = true;
  # proxies may be taken from the caller's environment (fixed outputs only)
  impureEnvVars = [ "http_proxy" "https_proxy" "ftp_proxy" "all_proxy" "no_proxy" ];
  urls = [ url ];
}

# pydock's <nix/fetchurl.nix>: a fixed-output derivation built by Nix's
# `builtin:fetchurl`, with the same attributes (and so the same store paths) as
# the file Nix ships under that name.
