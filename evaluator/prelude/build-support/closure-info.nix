# `closureInfo { rootPaths }`: `$out/store-paths` (the closure, one path per
# line), `$out/registration` (the `nix-store --load-db` / `--register-validity
# --hash-given` text: path, NAR hash, NAR size, empty deriver, reference count,
# references) and `$out/total-nar-size`. The closure comes from Nix's
# `exportReferencesGraph`; the builtin builder `closure-info` formats it.
{ builtinDerivation }:
{ rootPaths }:
builtinDerivation {
  name = "closure-info";
  builder = "closure-info";
  __structuredAttrs = true;
  exportReferencesGraph.closure = rootPaths;
  preferLocalBuild = true;
}
