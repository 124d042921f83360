# String functions. Where a result is built from an input string, its string
# context (the store paths it depends on) is kept, as `addContextFrom` does.
{ lib }:
let
  inherit (builtins)
    concatStringsSep substring stringLength replaceStrings match genList
    isString isPath isAttrs isList elem filter length head
    ;
in
rec {
  inherit (builtins)
    concatStringsSep stringLength substring replaceStrings split match toJSON fromJSON
    parseDrvName compareVersions unsafeDiscardStringContext storeDir
    isString readFile
    ;

  concatStrings = concatStringsSep "";
  concatMapStrings = f: list: concatStrings (map f list);
  concatImapStrings = f: list: concatStrings (lib.imap1 f list);
  concatMapStringsSep = sep: f: list: concatStringsSep sep (map f list);
  concatImapStringsSep = sep: f: list: concatStringsSep sep (lib.imap1 f list);
  concatMapAttrsStringSep = sep: f: attrs: concatStringsSep sep (lib.attrValues (builtins.mapAttrs f attrs));
  concatLines = lines: if lines == [ ] then "" else concatStringsSep "\n" lines + "\n";
  intersperse = sep: list:
    if length list < 2 then list else builtins.tail (builtins.concatMap (x: [ sep x ]) list);
  join = concatStringsSep;
  replaceString = from: to: replaceStrings [ from ] [ to ];
  replicate = n: s: concatStrings (lib.replicate n s);

  optionalString = cond: s: if cond then s else "";

  hasPrefix = prefix: s: substring 0 (stringLength prefix) s == prefix;
  hasSuffix = suffix: s:
    let
      n = stringLength s;
      k = stringLength suffix;
    in
    n >= k && substring (n - k) n s == suffix;
  hasInfix = infix: s: match ".*${escapeRegex infix}.*" "${s}" != null;
  removePrefix = prefix: s:
    let k = stringLength prefix; in
    if substring 0 k s == prefix then substring k (stringLength s - k) s else s;
  removeSuffix = suffix: s:
    let
      n = stringLength s;
      k = stringLength suffix;
    in
    if k <= n && substring (n - k) k s == suffix then substring 0 (n - k) s else s;

  stringToCharacters = s: genList (i: substring i 1 s) (stringLength s);
  stringAsChars = f: s: concatStrings (map f (stringToCharacters s));

  lowerChars = stringToCharacters "abcdefghijklmnopqrstuvwxyz";
  upperChars = stringToCharacters "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  # ASCII letters only, like nixpkgs.
  toLower = replaceStrings upperChars lowerChars;
  toUpper = replaceStrings lowerChars upperChars;

  escape = chars: replaceStrings chars (map (c: "\\${c}") chars);
  escapeRegex = escape (stringToCharacters "\\[{()^$?*+|.");
  escapeNixString = s: escape [ "$" ] (builtins.toJSON s);
  escapeNixIdentifier = s: if match "[a-zA-Z_][a-zA-Z0-9_'-]*" s != null then s else escapeNixString s;

  # A word of only shell-safe characters stays bare; anything else is single-quoted.
  escapeShellArg = arg:
    let s = toString arg; in
    if match "[[:alnum:],._+:@%/-]+" s == null then "'${replaceStrings [ "'" ] [ "'\\''" ] s}'" else s;
  escapeShellArgs = concatMapStringsSep " " escapeShellArg;

  isValidPosixName = name: match "[a-zA-Z_][a-zA-Z0-9_]*" name != null;
  toShellVar = name: value:
    lib.throwIfNot (isValidPosixName name) "toShellVar: ${name} is not a valid shell variable name" (
      if isAttrs value && !isStringLike value then
        "declare -A ${name}=(${
          concatStringsSep " " (lib.mapAttrsToList (n: v: "[${escapeShellArg n}]=${escapeShellArg v}") value)
        })"
      else if isList value then
        "declare -a ${name}=(${escapeShellArgs value})"
      else
        "${name}=${escapeShellArg value}"
    );
  toShellVars = vars: concatStringsSep "\n" (lib.mapAttrsToList toShellVar vars);

  # `target` with the string context of `src` added.
  addContextFrom = src: target: substring 0 0 src + target;
  # Split on a literal separator (not a regex); the parts keep the input's context.
  splitString = sep: s:
    map (addContextFrom s) (filter isString (builtins.split (escapeRegex (toString sep)) (toString s)));

  makeSearchPath = subDir: paths:
    concatStringsSep ":" (builtins.concatMap (p: if p == null then [ ] else [ (p + "/" + subDir) ]) paths);
  makeSearchPathOutput = output: subDir: pkgs:
    concatStringsSep ":" (builtins.concatMap (p: if p == null then [ ] else [ (lib.getOutput output p + "/" + subDir) ]) pkgs);
  makeBinPath = makeSearchPathOutput "bin" "bin";
  makeLibraryPath = makeSearchPathOutput "lib" "lib";
  makeIncludePath = makeSearchPathOutput "dev" "include";

  versionOlder = a: b: compareVersions b a == 1;
  versionAtLeast = a: b: !versionOlder a b;
  getName = x: if isString x then (parseDrvName x).name else x.pname or (parseDrvName x.name).name;
  getVersion = x: if isString x then (parseDrvName x).version else x.version or (parseDrvName x.name).version;

  enableFeature = flag: feature: "--${if flag then "enable" else "disable"}-${feature}";
  enableFeatureAs = flag: feature: value: enableFeature flag feature + optionalString flag "=${value}";
  withFeature = flag: feature: "--${if flag then "with" else "without"}-${feature}";
  withFeatureAs = flag: feature: value: withFeature flag feature + optionalString flag "=${value}";

  # Left-pad `s` with `filler` to `width` characters.
  fixedWidthString = width: filler: s:
    let n = stringLength s; in
    assert lib.assertMsg (n <= width)
      "fixedWidthString: requested string length (${toString width}) must not be shorter than actual length (${toString n})";
    if n == width then s else filler + fixedWidthString (width - stringLength filler) filler s;
  fixedWidthNumber = width: n: fixedWidthString width "0" (toString n);

  isStringLike = x: isString x || isPath x || x ? outPath || x ? __toString;
  isConvertibleWithToString = x:
    isStringLike x || elem (builtins.typeOf x) [ "null" "int" "float" "bool" ]
    || (isList x && lib.all isConvertibleWithToString x);
  isStorePath = x:
    if isStringLike x then
      let s = toString x; in
      substring 0 1 s == "/" && (dirOf s == builtins.storeDir || match "/[0-9a-z]{52}" s != null)
    else false;

  # Decimal integer, surrounding whitespace allowed; a leading zero is refused as ambiguous.
  toInt = s:
    let
      m = match "[[:space:]]*(-?[[:digit:]]+)[[:space:]]*" s;
      digits = head m;
      value = builtins.fromJSON digits;
      bad = "toInt: Could not convert ${escapeNixString s} to int.";
    in
    if m == null then throw bad
    else if match "0[[:digit:]]+" digits != null then
      throw "toInt: Ambiguity in interpretation of ${escapeNixString s} between octal and zero padded integer."
    else if !builtins.isInt value then throw bad
    else value;

  fileContents = file: removeSuffix "\n" (builtins.readFile file);

  trimWith = { start ? false, end ? false }:
    let
      ws = " \t\r\n";
      regex =
        if start && end then "[${ws}]*(.*[^${ws}])[${ws}]*"
        else if start then "[${ws}]*(.*)"
        else if end then "(.*[^${ws}])[${ws}]*"
        else "(.*)";
    in
    s: let m = match regex s; in if m == null then "" else head m;
  trim = trimWith { start = true; end = true; };
}
