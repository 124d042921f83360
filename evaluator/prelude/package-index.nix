# The package index (`pydock --packages FILE`), as the prelude sees it.
#
# This file's own value is "no index": no packages, and `fill` leaves the
# package set as the prelude builds it. That is what real Nix sees when it
# evaluates the prelude, and what pydock sees without an index. Given an index,
# pydock's evaluator answers `import ./package-index.nix` with the index instead
# (evaluator/packages/package_set.py): `packages` is the index's top-level set,
# `fill pkgs` adds the index's attributes that `pkgs` lacks, at any depth.
{
  packages = { };
  fill = pkgs: pkgs;
  file = null;
}
