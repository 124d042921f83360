"""Differential cases for the prelude's ``lib``: (name, expression over ``lib``).

Each expression is evaluated twice: by real Nix 2.8 with ``lib`` bound to nixpkgs' own lib
(``import ../shared/reference/nixpkgs/lib``, the oracle) and by pydock with ``lib`` bound to its
prelude's lib (``(import <nixpkgs> { }).lib``); the results must be equal.  Real Nix also evaluates
the prelude's lib, which separates "the prelude's Nix code is wrong" from "pydock evaluates it
wrongly".  Each case runs under ``builtins.tryEval (builtins.deepSeq v v)``, so a case may fail
on purpose (``throw``/``assert``); :data:`ERROR_CASES` compare the error message itself.
``trace``/``warn`` output is compared too (stderr of the whole batch).

Every name the prelude's ``lib`` defines must appear in some case (``test_every_lib_name_has_a_case``).
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent

# Values several cases share; the same text on both sides.
SHARED = f"""
  nested = {{ a = 1; b = {{ c = 2; d = {{ e = 3; }}; }}; f = [ 1 2 ]; }};
  drv = derivation {{ name = "pkg-1.0"; system = "x86_64-linux"; builder = "/bin/sh";
                     outputs = [ "out" "bin" "lib" ]; }};
  fakePkg = {{ type = "derivation"; name = "tool-2.1"; outPath = "/nix/store/aaaa-tool-2.1"; meta.mainProgram = "tl";
              bin = {{ type = "derivation"; outPath = "/nix/store/bbbb-tool-2.1-bin"; }}; }};
  fixtures = {HERE / "lib_fixture"};
  sourceTree = {HERE / "source_fixture"};
  devPkg = {{ type = "derivation"; name = "d-1"; outPath = "/nix/store/cccc-d-1"; outputs = [ "out" "dev" "man" ];
             dev = {{ outPath = "/nix/store/dddd-d-1-dev"; }}; man = {{ outPath = "/nix/store/eeee-d-1-man"; }}; }};
"""

CASES: list[tuple[str, str]] = [
    ("optional-true", 'lib.optional true "x"'),
    ("optional-false", 'lib.optional false "x"'),
    ("optionals", "[ (lib.optionals true [ 1 2 ]) (lib.optionals false [ 1 2 ]) ]"),
    ("toList", "[ (lib.toList 1) (lib.toList [ 1 ]) (lib.toList [ ]) ]"),
    ("foldl-strict", "lib.foldl' (a: b: a * 10 + b) 0 [ 1 2 3 ]"),
    ("foldl-strict-forces-init", 'lib.foldl\' (a: b: b) (throw "init") [ ]'),
    ("foldl-lazy", 'lib.foldl (a: b: "(${a}${b})") "z" [ "a" "b" "c" ]'),
    ("foldr", 'lib.foldr (a: b: "(${a}${b})") "z" [ "a" "b" "c" ]'),
    ("foldr-empty", 'lib.foldr (a: b: a + b) "nul" [ ]'),
    ("head-last-init", "[ (lib.head [ 1 2 3 ]) (lib.last [ 1 2 3 ]) (lib.init [ 1 2 3 ]) ]"),
    ("last-empty", "lib.last [ ]"),
    ("init-empty", "lib.init [ ]"),
    ("flatten", "lib.flatten [ 1 [ 2 [ 3 [ ] ] ] [ [ 4 ] ] ]"),
    ("flatten-scalar", "lib.flatten 5"),
    ("unique", 'lib.unique [ 3 1 3 "a" 1 "a" [ 1 ] [ 1 ] ]'),
    ("range", "[ (lib.range 2 5) (lib.range 5 2) (lib.range 3 3) ]"),
    ("zipListsWith", "lib.zipListsWith (a: b: a + b) [ 1 2 3 ] [ 10 20 ]"),
    ("zipLists", 'lib.zipLists [ 1 2 ] [ "a" ]'),
    ("reverseList", "lib.reverseList [ 1 2 3 ]"),
    ("imap0-imap1", "[ (lib.imap0 (i: v: i * v) [ 5 6 ]) (lib.imap1 (i: v: i * v) [ 5 6 ]) ]"),
    ("take-drop", "[ (lib.take 2 [ 1 2 3 ]) (lib.take 9 [ 1 2 ]) (lib.drop 2 [ 1 2 3 ]) (lib.drop 9 [ 1 ]) ]"),
    ("sublist", "[ (lib.sublist 1 2 [ 1 2 3 4 ]) (lib.sublist 3 5 [ 1 2 3 4 ]) (lib.sublist 7 1 [ 1 ]) ]"),
    ("findFirst", "[ (lib.findFirst (x: x > 2) 0 [ 1 3 4 ]) (lib.findFirst (x: x > 9) 0 [ 1 ]) ]"),
    ("findFirst-lazy", 'lib.findFirst (x: x == 1) 0 [ 1 (throw "later") ]'),
    (
        "findFirstIndex",
        '[ (lib.lists.findFirstIndex (x: x == "b") null [ "a" "b" ]) (lib.lists.findFirstIndex (x: false) 7 [ 1 ]) ]',
    ),
    (
        "findSingle",
        '[ (lib.findSingle (x: x == 1) "none" "many" [ 1 2 ]) (lib.findSingle (x: x > 0) "none" "many" [ 1 '
        '2 ]) (lib.findSingle (x: x > 5) "none" "many" [ 1 ]) ]',
    ),
    ("count", "lib.count (x: x > 1) [ 1 2 3 ]"),
    ("remove", "lib.remove 2 [ 1 2 3 2 ]"),
    ("replicate", 'lib.replicate 3 "x"'),
    ("subtract-intersect", "[ (lib.subtractLists [ 1 ] [ 1 2 1 3 ]) (lib.intersectLists [ 1 3 ] [ 3 2 1 ]) ]"),
    ("mutuallyExclusive", "[ (lib.mutuallyExclusive [ 1 2 ] [ 3 ]) (lib.mutuallyExclusive [ 1 ] [ 2 1 ]) ]"),
    ("ifilter0", "lib.ifilter0 (i: v: i == 0 || v > 3) [ 1 2 5 ]"),
    ("crossLists", "lib.crossLists (a: b: a + b) [ [ 1 2 ] [ 10 20 ] ]"),
    ("sortOn", "lib.sortOn (x: x.k) [ { k = 2; v = 1; } { k = 1; v = 2; } { k = 2; v = 3; } ]"),
    (
        "compareLists",
        "[ (lib.compareLists builtins.sub [ 1 2 ] [ 1 3 ]) (lib.compareLists builtins.sub [ ] [ ]) "
        "(lib.compareLists builtins.sub [ 1 ] [ ]) ]",
    ),
    ("forEach-singleton", "[ (lib.forEach [ 1 2 ] (x: x * 2)) (lib.singleton 4) ]"),
    ("concatStringsSep", 'lib.concatStringsSep ", " [ "a" "b" ]'),
    ("concatStrings", 'lib.concatStrings [ "a" "b" ]'),
    ("concatMapStrings", 'lib.concatMapStrings (x: x + "-") [ "a" "b" ]'),
    ("concatMapStringsSep", 'lib.concatMapStringsSep "," toString [ 1 2 3 ]'),
    ("concatImapStrings", 'lib.concatImapStrings (i: x: "${toString i}${x}") [ "a" "b" ]'),
    ("concatImapStringsSep", 'lib.concatImapStringsSep "-" (i: x: "${toString i}${x}") [ "a" "b" ]'),
    ("concatLines", '[ (lib.concatLines [ "a" "b" ]) (lib.concatLines [ ]) ]'),
    ("intersperse", '[ (lib.intersperse "/" [ "a" "b" "c" ]) (lib.intersperse "/" [ "a" ]) ]'),
    ("optionalString", '[ (lib.optionalString true "x") (lib.optionalString false "x") ]'),
    (
        "hasPrefix",
        '[ (lib.hasPrefix "fo" "foo") (lib.hasPrefix "oo" "foo") (lib.hasPrefix "" "x") (lib.hasPrefix "foo!" "foo") ]',
    ),
    (
        "hasSuffix",
        '[ (lib.hasSuffix "oo" "foo") (lib.hasSuffix "fo" "foo") (lib.hasSuffix "" "x") (lib.hasSuffix "xfoo" "foo") ]',
    ),
    ("hasInfix", '[ (lib.hasInfix "b.c" "ab.cd") (lib.hasInfix "b.c" "abxcd") (lib.hasInfix "" "") ]'),
    (
        "removePrefix",
        '[ (lib.removePrefix "/nix/" "/nix/store") (lib.removePrefix "x" "abc") (lib.removePrefix "abc" "ab") ]',
    ),
    (
        "removeSuffix",
        '[ (lib.removeSuffix ".tar" "a.tar") (lib.removeSuffix "x" "abc") (lib.removeSuffix "abc" "bc") ]',
    ),
    ("toLower-toUpper", '[ (lib.toLower "Hello-WORLD_1é") (lib.toUpper "Hello-world_1é") ]'),
    ("splitString", '[ (lib.splitString "." "a.b..c") (lib.splitString "ab" "xabyab") (lib.splitString "," "") ]'),
    ("splitString-regex-chars", 'lib.splitString "+*" "1+*2+3"'),
    ("splitString-context", 'map builtins.getContext (lib.splitString "|" "${builtins.toFile "f" "x"}|y")'),
    ("stringToCharacters", 'lib.stringToCharacters "abc"'),
    ("escape", 'lib.escape [ "$" "(" ] "a$(b)"'),
    ("escapeShellArg", 'map lib.escapeShellArg [ "abc" "a b" "it\'s" "" "/nix/store/x-y_1.2:3@%,+" "$HOME" 12 ]'),
    ("escapeShellArgs", 'lib.escapeShellArgs [ "a" "b c" ]'),
    ("escapeNixString", 'lib.strings.escapeNixString "a\\"\\${x}"'),
    ("escapeRegex", 'lib.escapeRegex "a.b*c[d]"'),
    ("escapeNixIdentifier", 'map lib.strings.escapeNixIdentifier [ "foo" "foo-bar\'" "1x" "a b" ]'),
    ("isValidPosixName", 'map lib.isValidPosixName [ "_a1" "1a" "a-b" ]'),
    (
        "toShellVar",
        '[ (lib.toShellVar "A" "x y") (lib.toShellVar "L" [ "a" "b c" ]) (lib.toShellVar "M" { k = "v w"; }) ]',
    ),
    ("toShellVar-bad-name", 'lib.toShellVar "a-b" "x"'),
    ("makeSearchPath", 'lib.makeSearchPath "bin" [ "/a" null "/b" ]'),
    ("makeBinPath", 'lib.makeBinPath [ drv fakePkg "/usr" ]'),
    ("makeLibraryPath", "lib.makeLibraryPath [ drv fakePkg ]"),
    (
        "versionOlder-AtLeast",
        '[ (lib.versionOlder "1.2" "1.10") (lib.versionAtLeast "1.2" "1.2") (lib.versionAtLeast "1.2" "1.3") ]',
    ),
    (
        "getName-getVersion",
        '[ (lib.getName "hello-2.12") (lib.getVersion "hello-2.12") (lib.getName drv) (lib.getName { pname = "p"; }) ]',
    ),
    ("fixedWidth", '[ (lib.fixedWidthString 5 "0" "12") (lib.fixedWidthNumber 3 7) ]'),
    ("fixedWidth-too-long", 'lib.fixedWidthString 1 "0" "12"'),
    ("toInt", 'map lib.toInt [ "42" " -7 " "0" ]'),
    ("toInt-leading-zero", 'lib.toInt "007"'),
    ("toInt-bad", 'lib.toInt "4x"'),
    (
        "isStringLike-isStorePath",
        "[ (lib.isStringLike drv) (lib.isStringLike 1) (lib.isStorePath drv) (lib.isStorePath "
        '"${drv}/bin") (lib.isStorePath "/tmp") ]',
    ),
    ("trim", '[ (lib.trim "  a b \\n") (lib.trimWith { start = true; } "  a ") (lib.trim "   ") ]'),
    ("nameValuePair", 'lib.nameValuePair "a" 1'),
    ("mapAttrs-prime", 'lib.mapAttrs\' (n: v: lib.nameValuePair "x-${n}" (v * 2)) { a = 1; b = 2; }'),
    ("mapAttrsToList", 'lib.mapAttrsToList (n: v: "${n}=${toString v}") { b = 2; a = 1; }'),
    ("filterAttrs", 'lib.filterAttrs (n: v: v > 1 && n != "c") { a = 1; b = 2; c = 3; }'),
    ("filterAttrsRecursive", 'lib.filterAttrsRecursive (n: v: n != "e") nested'),
    (
        "attrByPath",
        '[ (lib.attrByPath [ "b" "d" "e" ] 0 nested) (lib.attrByPath [ "b" "x" ] 0 nested) (lib.attrByPath '
        '[ "a" "x" ] 0 nested) (lib.attrByPath [ ] 0 { z = 1; }) ]',
    ),
    (
        "hasAttrByPath",
        '[ (lib.hasAttrByPath [ "b" "c" ] nested) (lib.hasAttrByPath [ "b" "z" ] nested) (lib.hasAttrByPath [ ] 1) ]',
    ),
    ("setAttrByPath", 'lib.setAttrByPath [ "a" "b" ] 1'),
    ("getAttrFromPath", 'lib.getAttrFromPath [ "b" "c" ] nested'),
    ("genAttrs", 'lib.genAttrs [ "x" "y" ] (n: n + n)'),
    ("attrVals-getAttrs", '[ (lib.attrVals [ "b" "a" ] { a = 1; b = 2; }) (lib.getAttrs [ "a" ] { a = 1; b = 2; }) ]'),
    ("collect", "lib.collect builtins.isInt nested"),
    ("collect-sets", "lib.collect (x: x ? e) nested"),
    ("isDerivation", "[ (lib.isDerivation drv) (lib.isDerivation { }) (lib.isDerivation fakePkg) ]"),
    ("optionalAttrs", "[ (lib.optionalAttrs true { a = 1; }) (lib.optionalAttrs false { a = 1; }) ]"),
    ("recursiveUpdate", "lib.recursiveUpdate nested { b = { d = { x = 1; }; c = { y = 2; }; }; f = 5; }"),
    (
        "recursiveUpdateUntil",
        'lib.recursiveUpdateUntil (path: l: r: path == [ "b" "d" ]) nested { b.d.x = 1; b.q = 0; }',
    ),
    # values stay lazy and are fresh thunks (so `==` on a function-valued attribute is false), and
    # each side is forced (traced) in nixpkgs' order
    (
        "recursiveUpdate-lazy",
        'let r = lib.recursiveUpdate { a = throw "l"; b.c = throw "c"; g = 1; } { a = 2; b.d = 3; h = throw "h"; };'
        " in [ r.a r.b.d r.g (builtins.attrNames r) (builtins.attrNames r.b) ]",
    ),
    (
        "recursiveUpdate-fresh-values",
        "let f = x: x; s = { inherit f; g = { inherit f; }; }; in"
        " [ (lib.recursiveUpdate s { } == s) (lib.recursiveUpdate { } s == s)"
        " ([ (lib.recursiveUpdate s { g.i = 1; }).g.f ] == [ s.g.f ]) ]",
    ),
    (
        "recursiveUpdate-trace-order",
        'lib.recursiveUpdate (builtins.trace "lhs" { a = builtins.trace "lhs.a" { x = 1; }; b = 1; })'
        ' (builtins.trace "rhs" { a = builtins.trace "rhs.a" { y = 2; }; b = { z = 3; }; c = 4; })',
    ),
    (
        "recursiveUpdate-non-sets-inside",
        "lib.recursiveUpdate { a = { b = 1; }; c = 1; d = [ 1 ]; e = { }; }"
        " { a = 2; c = { x = 1; }; d = [ 2 ]; e.f = null; }",
    ),
    (
        "recursiveUpdateUntil-paths",
        'lib.recursiveUpdateUntil (path: l: r: builtins.trace (builtins.concatStringsSep "." path) (path == [ "b" ]))'
        " { a.x.y = 1; b.c = 1; k = 1; } { a.x.z = 2; b.d = 2; }",
    ),
    ("zipAttrsWith", "lib.zipAttrsWith (n: vs: vs) [ { a = 1; } { a = 2; b = 3; } ]"),
    ("zipAttrs", "lib.zipAttrs [ { a = 1; } { a = 2; } ]"),
    ("foldAttrs", "lib.foldAttrs (v: acc: [ v ] ++ acc) [ ] [ { a = 1; } { a = 2; b = 3; } ]"),
    ("foldlAttrs", 'lib.foldlAttrs (acc: n: v: acc + n + toString v) "" { b = 2; a = 1; }'),
    ("concatMapAttrs", 'lib.concatMapAttrs (n: v: { "${n}1" = v; "${n}2" = v + 1; }) { a = 1; }'),
    ("mapAttrsRecursive", 'lib.mapAttrsRecursive (path: v: builtins.concatStringsSep "." path) { a.b = 1; c = 2; }'),
    ("mapAttrsRecursiveCond", "lib.mapAttrsRecursiveCond (s: !(s ? stop)) (p: v: 0) { a.b = 1; c = { stop = 1; }; }"),
    (
        "matchAttrs",
        "[ (lib.matchAttrs { b.c = 2; } nested) (lib.matchAttrs { b.c = 3; } nested) (lib.matchAttrs { z = "
        "1; } nested) ]",
    ),
    ("overrideExisting", "lib.overrideExisting { a = 1; b = 2; } { b = 3; c = 4; }"),
    ("attrsToList", "lib.attrsToList { b = 1; a = 2; }"),
    ("cartesianProduct", "lib.cartesianProduct { a = [ 1 2 ]; b = [ 3 ]; }"),
    ("unionOfDisjoint", "[ (lib.attrsets.unionOfDisjoint { a = 1; } { b = 2; }) ]"),
    ("unionOfDisjoint-collision", "(lib.attrsets.unionOfDisjoint { a = 1; } { a = 2; }).a"),
    ("recurseIntoAttrs", "lib.recurseIntoAttrs { a = 1; }"),
    (
        "getOutput",
        '[ (lib.getOutput "bin" drv).outPath (lib.getBin fakePkg).outPath (lib.getOutput "dev" '
        "drv).outPath (lib.getBin drv.lib).outPath (lib.getBin (lib.extendDerivation true { } "
        'drv).lib).outPath (lib.getLib "/x") ]',
    ),
    ("getExe", '[ (lib.getExe fakePkg) (lib.getExe\' drv "prog") ]'),
    ("getExe-prime-not-drv", 'lib.getExe\' "x" "y"'),
    ("id-const-flip", "[ (lib.id 1) (lib.const 1 2) (lib.flip builtins.sub 1 10) ]"),
    ("pipe", "lib.pipe 2 [ (x: x + 1) (x: x * 10) toString ]"),
    (
        "boolToString-xor",
        "[ (lib.boolToString true) (lib.xor true false) (lib.xor true true) (lib.and true false) (lib.or false true) ]",
    ),
    (
        "mod-min-max-compare",
        '[ (lib.mod 7 3) (lib.mod (-7) 3) (lib.min 1 2) (lib.max 1 2) (lib.compare 1 2) (lib.compare "b" "a") ]',
    ),
    (
        "defaultTo-mapNullable",
        "[ (lib.defaultTo 1 null) (lib.defaultTo 1 2) (lib.mapNullable (x: x + 1) null) (lib.mapNullable "
        "(x: x + 1) 1) ]",
    ),
    ("toHexString-toBaseDigits", "[ (lib.toHexString 255) (lib.toHexString 0) (lib.toBaseDigits 2 6) ]"),
    ("warnIf-value", 'lib.warnIf false "never" 5'),
    ("throwIf", 'lib.throwIf true "bad" 5'),
    ("throwIfNot", 'lib.throwIfNot true "bad" 5'),
    ("assertMsg", 'assert lib.assertMsg (1 == 2) "one is not two"; 0'),
    (
        "isFunction-functor",
        "[ (lib.isFunction (x: x)) (lib.isFunction { __functor = s: x: x; }) (lib.isFunction { }) ]",
    ),
    (
        "functionArgs",
        "[ (lib.functionArgs ({ a, b ? 1 }: a)) (lib.functionArgs (lib.setFunctionArgs (x: x) { q = true; })) ]",
    ),
    ("mirrorFunctionArgs", "lib.functionArgs (lib.mirrorFunctionArgs ({ a }: a) (x: x))"),
    ("toFunction", "[ (lib.toFunction 3 0) (lib.toFunction (x: x + 1) 0) ]"),
    ("fix-extends", "lib.fix (lib.extends (final: prev: { b = prev.a + 1; }) (self: { a = 1; c = self.b; }))"),
    (
        "composeManyExtensions",
        "lib.fix (lib.extends (lib.composeManyExtensions [ (f: p: { a = p.a + 1; }) (f: p: { a = p.a * 10; "
        "}) ]) (s: { a = 1; }))",
    ),
    ("makeExtensible", "((lib.makeExtensible (self: { a = 1; b = self.a; })).extend (f: p: { a = 5; })).b"),
    (
        "makeOverridable",
        "let f = lib.makeOverridable ({ a, b ? 2 }: { sum = a + b; }); r = f { a = 1; }; in [ r.sum "
        "(r.override { b = 10; }).sum (r.override (old: { a = old.a * 5; })).sum ((r.override { a = 0; "
        "}).override { b = 0; }).sum ]",
    ),
    ("makeOverridable-functionArgs", "builtins.attrNames (lib.functionArgs (lib.makeOverridable ({ a, b ? 2 }: a)))"),
    (
        "callPackageWith",
        "let r = lib.callPackageWith { a = 1; b = 2; c = 3; } ({ a, b, d ? 4 }: a + b + d) { b = 20; }; in r",
    ),
    (
        "callPackageWith-override",
        "let r = lib.callPackageWith { a = 1; } ({ a }: { v = a; }) { }; in [ r.v (r.override { a = 5; }).v ]",
    ),
    (
        "extendDerivation",
        "let d = lib.extendDerivation true { extra = 1; } drv; in [ d.extra d.bin.extra d.bin.outputName "
        "(d.outPath == drv.outPath) d.lib.outputSpecified ]",
    ),
    (
        "versions",
        '[ (lib.versions.major "1.2.3") (lib.versions.minor "1.2.3") (lib.versions.patch "1.2.3") '
        '(lib.versions.majorMinor "1.2.3") (lib.versions.pad 3 "1.2-rc1") (lib.versions.splitVersion '
        '"1.2a") ]',
    ),
    ("fakeHashes", "[ lib.fakeHash lib.fakeSha256 (builtins.stringLength lib.fakeSha512) ]"),
    (
        "meta-priority",
        "[ (lib.lowPrio { }).meta.priority (lib.hiPrio { meta.x = 1; }).meta (lib.meta.defaultPriority) ]",
    ),
    ("appendToName", '(lib.appendToName "wrapped" { name = "hello-2.12"; }).name'),
    ("licenses", '[ lib.licenses.mit.spdxId lib.licenses.asl20.free (lib.meta.getLicenseFromSpdxId "mit").shortName ]'),
    ("platforms", 'builtins.elem "x86_64-linux" lib.platforms.linux'),
    (
        "strings-lists-attrsets-namespaces",
        '[ (lib.strings.hasPrefix "a" "ab") (lib.lists.last [ 1 2 ]) (lib.attrsets.attrByPath [ "a" ] 0 { '
        "a = 1; }) (lib.trivial.id 1) ]",
    ),
    (
        "normalizeHash",
        '[ (lib.fetchers.normalizeHash { } { hash = ""; x = 1; }) (lib.fetchers.normalizeHash { } { sha256 '
        '= "abc"; }) ]',
    ),
    (
        "withNormalizedHash",
        "let f = lib.fetchers.withNormalizedHash { } ({ outputHash, outputHashAlgo ? null, n ? 0 }: { "
        'inherit outputHash outputHashAlgo; }); in [ (lib.functionArgs f) (f { sha256 = "s"; }) ]',
    ),
    (
        "arith",
        "[ (lib.add 1 2) (lib.sub 5 3) (lib.mul 4 5) (lib.div 7 2) (lib.lessThan 1 2) (lib.concat [ 1 ] [ 2 ]) ]",
    ),
    ("bits", "[ (lib.bitAnd 12 10) (lib.bitOr 12 10) (lib.bitXor 12 10) (lib.bitNot 5) (lib.bitNot (-1)) ]"),
    (
        "list-builtins",
        "[ (lib.all (x: x > 0) [ 1 2 ]) (lib.any (x: x > 1) [ 1 2 ]) (lib.concatLists [ [ 1 ] [ ] [ 2 3 ] "
        "]) (lib.concatMap (x: [ x x ]) [ 1 2 ]) (lib.elem 2 [ 1 2 ]) (lib.elemAt [ 5 6 ] 1) (lib.filter "
        "(x: x != 1) [ 1 2 1 ]) (lib.genList (i: i * i) 4) (lib.length [ 1 2 ]) (lib.map (x: x + 1) [ 1 ]) "
        "(lib.tail [ 1 2 3 ]) (lib.sort builtins.lessThan [ 3 1 2 ]) (lib.partition (x: x > 1) [ 1 2 3 ]) "
        '(lib.groupBy (x: if x > 1 then "big" else "small") [ 1 2 3 ]) ]',
    ),
    (
        "attr-builtins",
        '[ (lib.attrNames { b = 1; a = 2; }) (lib.attrValues { b = 1; a = 2; }) (lib.catAttrs "a" [ { a = '
        '1; } { } { a = 2; } ]) (lib.getAttr "a" { a = 1; }) (lib.hasAttr "z" { a = 1; }) '
        '(lib.intersectAttrs { a = 0; } { a = 1; b = 2; }) (lib.listToAttrs [ { name = "x"; value = 1; } '
        ']) (lib.mapAttrs (n: v: n) { a = 1; }) (lib.removeAttrs { a = 1; b = 2; } [ "a" ]) (lib.isAttrs { '
        "}) (lib.mergeAttrs { a = 1; } { b = 2; }) ]",
    ),
    (
        "type-builtins",
        "map (v: [ (lib.typeOf v) (lib.isInt v) (lib.isBool v) (lib.isFloat v) (lib.isList v) "
        '(lib.isString v) (lib.isPath v) (lib.isAttrs v) ]) [ 1 true 1.5 [ ] "s" /tmp { } null ]',
    ),
    (
        "string-builtins",
        '[ (lib.stringLength "abc") (lib.substring 1 2 "abcd") (lib.replaceStrings [ "a" ] [ "A" ] '
        '"banana") (lib.split "(,)" "a,b") (lib.match "a(.)c" "abc") (lib.toJSON { a = [ 1 ]; }) '
        '(lib.fromJSON "[1,2]") (lib.parseDrvName "hello-2.12") (lib.compareVersions "1.2" "1.10") '
        '(lib.splitVersion "1.2a") (lib.unsafeDiscardStringContext "${drv}") (lib.hashString "sha256" "x") '
        '(lib.baseNameOf "/a/b.c") (lib.dirOf "/a/b.c") (lib.replaceString "a" "o" "banana") (lib.join "-" '
        '[ "a" "b" ]) ]',
    ),
    ("strings-storeDir", "lib.strings.storeDir"),
    (
        "lazy-and-control-builtins",
        '[ (lib.seq 1 2) (lib.deepSeq [ 1 ] 2) (lib.tryEval (throw "x")) (lib.tryEval 3) '
        '(lib.addErrorContext "ctx" 4) (lib.genericClosure { startSet = [ { key = 1; } ]; operator = x: if '
        "x.key < 3 then [ { key = x.key + 1; } ] else [ ]; }) ]",
    ),
    ("seq-forces", 'lib.seq (throw "forced") 1'),
    ("deepSeq-forces", 'lib.deepSeq [ (throw "deep") ] 1'),
    ("trace", 'lib.trace "traced message" 7'),
    (
        "files",
        '[ (lib.readFile (fixtures + "/text.txt")) (lib.fileContents (fixtures + "/text.txt")) '
        '(lib.importJSON (fixtures + "/data.json")) (lib.importTOML (fixtures + "/data.toml")) '
        '(lib.pathExists (fixtures + "/text.txt")) (lib.pathExists (fixtures + "/missing")) ]',
    ),
    (
        "cleanSource",
        "[ (lib.cleanSource sourceTree).outPath (lib.cleanSourceWith { src = lib.cleanSource sourceTree; "
        'name = "src"; }).outPath (lib.cleanSourceWith { src = sourceTree; filter = p: t: t != '
        '"directory"; }).outPath (lib.sourceByRegex sourceTree [ ".*\\\\.txt" "sub" ]).outPath ]',
    ),
    (
        "cleanSourceFilter",
        'map (x: lib.cleanSourceFilter (builtins.elemAt x 0) (builtins.elemAt x 1)) [ [ "/a/.git" '
        '"directory" ] [ "/a/.svn" "directory" ] [ "/a/.svn" "regular" ] [ "/a/f~" "regular" ] [ '
        '"/a/.f.swp" "regular" ] [ "/a/.swp" "regular" ] [ "/a/x.o" "regular" ] [ "/a/x.so" "regular" ] [ '
        '"/a/result" "symlink" ] [ "/a/result-2" "symlink" ] [ "/a/result" "regular" ] [ "/a/s" "unknown" '
        '] [ "/a/ok.c" "regular" ] [ "/a/.hg" "directory" ] [ "/a/CVS" "directory" ] [ "/a/.jj" '
        '"directory" ] [ "/a/.git" "regular" ] ]',
    ),
    (
        "addContextFrom",
        'let s = lib.addContextFrom "${drv}" "plain"; in [ s (builtins.attrNames (builtins.getContext s)) ]',
    ),
    ("concatMapAttrsStringSep", 'lib.concatMapAttrsStringSep ", " (n: v: "${n}=${toString v}") { b = 2; a = 1; }'),
    ("stringAsChars", 'lib.stringAsChars (c: if c == "a" then "A" else c) "banana"'),
    ("lower-upperChars", "[ lib.lowerChars lib.upperChars ]"),
    (
        "features",
        '[ (lib.enableFeature true "x") (lib.enableFeature false "x") (lib.enableFeatureAs true "x" "v") '
        '(lib.enableFeatureAs false "x" "v") (lib.withFeature true "y") (lib.withFeature false "y") '
        '(lib.withFeatureAs true "y" "w") (lib.withFeatureAs false "y" "w") ]',
    ),
    (
        "makeSearchPathOutput",
        '[ (lib.makeSearchPathOutput "dev" "lib/pkgconfig" [ devPkg drv null ]) (lib.makeIncludePath [ devPkg drv ]) ]',
    ),
    ("toShellVars", 'lib.toShellVars { b = "x y"; a = [ "1" "2 3" ]; c = { k = "v"; }; d = 5; e = drv; }'),
    (
        "isConvertibleWithToString",
        'map lib.strings.isConvertibleWithToString [ "s" 1 null true 1.5 [ 1 [ "a" ] ] [ { } ] { } drv /tmp (x: x) ]',
    ),
    ("zipAttrsWithNames", 'lib.zipAttrsWithNames [ "a" "z" ] (n: vs: [ n vs ]) [ { a = 1; b = 2; } { a = 3; } ]'),
    ("mapCartesianProduct", "lib.mapCartesianProduct ({ a, b }: a * b) { a = [ 1 2 ]; b = [ 10 100 ]; }"),
    ("dontRecurseIntoAttrs", "lib.dontRecurseIntoAttrs { a = 1; }"),
    (
        "getDev-getMan-chooseDevOutputs",
        "[ (lib.getDev devPkg).outPath (lib.getMan devPkg).outPath (lib.getDev drv).outPath (map (p: "
        "p.outPath) (lib.chooseDevOutputs [ devPkg drv ])) ]",
    ),
    (
        "splitByAndCompare",
        'lib.sort (a: b: lib.splitByAndCompare (lib.hasPrefix "f") lib.compare lib.compare a b < 0) [ "b" '
        '"fb" "a" "fa" ]',
    ),
    ("warn", 'lib.warn "careful" 1'),
    ("warn-needs-string", "lib.warn 1 2"),
    (
        "warnIf-warnIfNot",
        '[ (lib.warnIf true "yes-warning" 1) (lib.warnIfNot false "not-warning" 2) (lib.warnIfNot true "never" 3) ]',
    ),
    ("info", 'lib.info "some info" 8'),
    ("inNixShell", "lib.inNixShell"),
    ("fix-prime", "let r = lib.fix' (self: { a = 1; b = self.a + 1; }); in [ r.a r.b (r.__unfix__ { a = 10; }).b ]"),
    (
        "composeExtensions",
        "lib.fix (lib.extends (lib.composeExtensions (f: p: { a = p.a + 1; x = 1; }) (f: p: { a = p.a * "
        "10; y = p.x; })) (s: { a = 1; }))",
    ),
    (
        "makeExtensibleWithCustomName",
        'let e = lib.makeExtensibleWithCustomName "grow" (self: { a = 1; b = self.a + 1; }); in [ e.b '
        "((e.grow (f: p: { a = 10; })).b) (e ? extend) ]",
    ),
    (
        "callPackagesWith",
        "let s = lib.callPackagesWith { a = 1; } ({ a, b ? 2 }: { x = { v = a + b; }; y = { v = a * b; }; "
        "}) { }; in [ s.x.v s.y.v (s.x.override { b = 10; }).v ]",
    ),
    (
        "makeScope",
        "let scope = lib.makeScope (extra: lib.callPackageWith extra) (self: { a = 1; b = self.callPackage "
        "({ a }: { v = a + 1; }) { }; }); in [ scope.b.v (scope.overrideScope (f: p: { a = 10; })).b.v "
        "(scope.newScope { a = 5; } ({ a }: a) { }) (builtins.attrNames scope) ]",
    ),
    (
        "overrideDerivation",
        'let d = lib.overrideDerivation drv (old: { name = "pkg-2.0"; }); in [ d.name d.outPath d.drvPath '
        "(d.bin.outPath != drv.bin.outPath) ]",
    ),
    (
        "meta-attrs",
        "[ (lib.addMetaAttrs { x = 1; } { meta.y = 2; }).meta (lib.dontDistribute { meta.a = 1; }).meta "
        '(lib.setName "n-1" { name = "old"; }).name (lib.updateName (n: n + "x") { name = "a"; }).name '
        "(lib.setPrio 3 { }).meta.priority ]",
    ),
    (
        "getLicenseFromSpdxId",
        '[ (lib.getLicenseFromSpdxId "MIT").shortName (lib.getLicenseFromSpdxIdOr "asl20-nope" null) '
        '(lib.getLicenseFromSpdxIdOr "apache-2.0" null).shortName ]',
    ),
    ("getLicenseFromSpdxId-unknown", 'lib.getLicenseFromSpdxId "no-such-license"'),
    ("fetchers-proxyImpureEnvVars", "lib.fetchers.proxyImpureEnvVars"),
    (
        "sub-set-names",
        '[ (lib.asserts.assertMsg true "m") (lib.customisation.makeOverridable (x: x) 1) '
        "(lib.fixedPoints.fix (s: 1)) (lib.sources.cleanSource sourceTree).name ]",
    ),
    (
        "sub-sets",
        '[ lib.meta.defaultPriority (lib.strings.escapeNixString "a") (lib.lists.findFirstIndex (x: x) '
        "null [ true ]) ]",
    ),
]

#: Cases that must fail, compared by their ``error:`` line (one process per tool and case: keep it short).
ERROR_CASES: list[tuple[str, str]] = [
    ("last-empty", "lib.last [ ]"),
    ("init-empty", "lib.init [ ]"),
    ("toShellVar-bad-name", 'lib.toShellVar "a-b" "x"'),
    ("fixedWidthString-too-long", 'lib.fixedWidthString 1 "0" "12"'),
    ("toInt-leading-zero", 'lib.toInt "007"'),
    ("toInt-bad", 'lib.toInt "4x"'),
    ("unionOfDisjoint-collision", "(lib.attrsets.unionOfDisjoint { a = 1; b = 1; } { a = 2; b = 2; }).a"),
    ("getExe-prime-not-drv", 'lib.getExe\' "x" "y"'),
    ("getExe-prime-nested", 'lib.getExe\' drv "a/b"'),
    ("assertMsg", 'assert lib.assertMsg (1 == 2) "one is not two"; 0'),
    ("throwIf", 'lib.throwIf true "bad" 5'),
    ("throwIfNot", 'lib.throwIfNot false "bad too" 5'),
    ("warn-needs-string", "lib.warn 1 2"),
    ("getAttrFromPath-missing", 'lib.getAttrFromPath [ "b" "zz" ] nested'),
    ("callPackageWith-missing-arg", "lib.callPackageWith { } ({ a }: a) { }"),
    ("recursiveUpdate-lhs-not-set", "lib.recursiveUpdate 1 { a = 1; }"),
    ("recursiveUpdate-rhs-not-set", "lib.recursiveUpdate { a = 1; } null"),
    ("recursiveUpdate-both-throw", 'lib.recursiveUpdate (throw "lhs") (throw "rhs")'),
    ("recursiveUpdate-inner-throw", '(lib.recursiveUpdate { a = throw "inner"; } { a.b = 1; }).a'),
    ("recursiveUpdateUntil-into-non-set", "(lib.recursiveUpdateUntil (p: l: r: false) { a = 1; } { a = 2; }).a"),
]
