# A package function for the callPackage case of drv_cases.nix.
{ writeText, lib, extra ? "x" }:
writeText "called-${extra}" (lib.toUpper extra)
