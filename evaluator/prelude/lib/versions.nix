# Version-string helpers over `builtins.splitVersion`.
{ lib }:
rec {
  splitVersion = builtins.splitVersion;
  major = v: builtins.elemAt (splitVersion v) 0;
  minor = v: builtins.elemAt (splitVersion v) 1;
  patch = v: builtins.elemAt (splitVersion v) 2;
  majorMinor = v: builtins.concatStringsSep "." (lib.take 2 (splitVersion v));
  # The numeric part padded (or cut) to `n` components; a `-suffix` is kept.
  pad = n: version:
    let
      numeric = builtins.head (lib.splitString "-" version);
      suffix = lib.removePrefix numeric version;
    in
    builtins.concatStringsSep "." (lib.take n (splitVersion numeric ++ builtins.genList (_: "0") n)) + suffix;
}
