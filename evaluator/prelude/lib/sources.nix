# Filtered copies of local source trees (`cleanSource` & co). The store path
# depends only on the name ("source" unless given) and the files kept, so it
# is the one nixpkgs gives for the same filter.
{ lib }:
rec {
  # Drops version-control directories, editor backups and swap files, object
  # files, `result*` symlinks and files the store cannot hold.
  cleanSourceFilter = name: type:
    let base = baseNameOf (toString name); in
    !(
      base == ".git"
      || (type == "directory" && builtins.elem base [ ".svn" "CVS" ".hg" ".jj" ])
      || lib.hasSuffix "~" base
      || builtins.match "^\\.sw[a-z]$" base != null
      || builtins.match "^\\..*\\.sw[a-z]$" base != null
      || lib.hasSuffix ".o" base
      || lib.hasSuffix ".so" base
      || (type == "symlink" && lib.hasPrefix "result" base)
      || type == "unknown"
    );

  # Filters compose: a `cleanSourceWith` result can be filtered again.
  cleanSourceWith = { src, filter ? _: _: true, name ? null }:
    let
      prior = if src ? _isLibCleanSourceWith then src else { origSrc = src; filter = _: _: true; name = "source"; };
      keep = path: type: filter path type && prior.filter path type;
      finalName = if name != null then name else prior.name;
    in
    {
      _isLibCleanSourceWith = true;
      origSrc = prior.origSrc;
      filter = keep;
      name = finalName;
      outPath = builtins.path { path = prior.origSrc; filter = keep; name = finalName; };
    };
  cleanSource = src: cleanSourceWith { filter = cleanSourceFilter; inherit src; };

  # Keep files whose path relative to `src` matches one of the regexes.
  sourceByRegex = src: regexes:
    let
      root = toString (src.origSrc or src);
      keep = path: _:
        let rel = lib.removePrefix (root + "/") (toString path); in
        lib.any (re: builtins.match re rel != null) regexes;
    in
    cleanSourceWith { filter = keep; inherit src; };
}
