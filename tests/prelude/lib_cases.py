"""Differential cases for the prelude's ``lib``: (name, lib expression, plain-builtins expression).

The lib side sees ``lib`` (pydock's prelude lib, from ``import <nixpkgs> {}``); the plain side sees
only builtins and states what nixpkgs' function returns for that input in other words, so real Nix
evaluating the plain side is the oracle for the semantics.  Both sides are evaluated under
``builtins.tryEval (builtins.deepSeq v v)``, so a case may also expect a ``throw``/``assert`` failure.
"""

from __future__ import annotations

# Values several cases share; defined identically on both sides.
SHARED = """
  nested = { a = 1; b = { c = 2; d = { e = 3; }; }; f = [ 1 2 ]; };
  drv = derivation { name = "pkg-1.0"; system = "x86_64-linux"; builder = "/bin/sh"; outputs = [ "out" "bin" "lib" ]; };
  fakePkg = { type = "derivation"; name = "tool-2.1"; outPath = "/nix/store/aaaa-tool-2.1"; meta.mainProgram = "tl";
              bin = { type = "derivation"; outPath = "/nix/store/bbbb-tool-2.1-bin"; }; };
"""

CASES: list[tuple[str, str, str]] = [
    # -- lists ------------------------------------------------------------------------------
    (
        "optional-true",
        'lib.optional true "x"',
        '[ "x" ]',
    ),
    (
        "optional-false",
        'lib.optional false "x"',
        "[ ]",
    ),
    (
        "optionals",
        "[ (lib.optionals true [ 1 2 ]) (lib.optionals false [ 1 2 ]) ]",
        "[ [ 1 2 ] [ ] ]",
    ),
    (
        "toList",
        "[ (lib.toList 1) (lib.toList [ 1 ]) (lib.toList [ ]) ]",
        "[ [ 1 ] [ 1 ] [ ] ]",
    ),
    (
        "foldl-strict",
        "lib.foldl' (a: b: a * 10 + b) 0 [ 1 2 3 ]",
        "builtins.foldl' (a: b: a * 10 + b) 0 [ 1 2 3 ]",
    ),
    (
        "foldl-strict-forces-init",
        'lib.foldl\' (a: b: b) (throw "init") [ ]',
        'throw "init"',
    ),
    (
        "foldl-lazy",
        'lib.foldl (a: b: "(${a}${b})") "z" [ "a" "b" "c" ]',
        '"(((za)b)c)"',
    ),
    (
        "foldr",
        'lib.foldr (a: b: "(${a}${b})") "z" [ "a" "b" "c" ]',
        '"(a(b(cz)))"',
    ),
    (
        "foldr-empty",
        'lib.foldr (a: b: a + b) "nul" [ ]',
        '"nul"',
    ),
    (
        "head-last-init",
        "[ (lib.head [ 1 2 3 ]) (lib.last [ 1 2 3 ]) (lib.init [ 1 2 3 ]) ]",
        "[ 1 3 [ 1 2 ] ]",
    ),
    (
        "last-empty",
        "lib.last [ ]",
        'throw "lists.last: list must not be empty!"',
    ),
    (
        "init-empty",
        "lib.init [ ]",
        'throw "lists.init: list must not be empty!"',
    ),
    (
        "flatten",
        "lib.flatten [ 1 [ 2 [ 3 [ ] ] ] [ [ 4 ] ] ]",
        "[ 1 2 3 4 ]",
    ),
    (
        "flatten-scalar",
        "lib.flatten 5",
        "[ 5 ]",
    ),
    (
        "unique",
        'lib.unique [ 3 1 3 "a" 1 "a" [ 1 ] [ 1 ] ]',
        '[ 3 1 "a" [ 1 ] ]',
    ),
    (
        "range",
        "[ (lib.range 2 5) (lib.range 5 2) (lib.range 3 3) ]",
        "[ (builtins.genList (i: i + 2) 4) [ ] [ 3 ] ]",
    ),
    (
        "zipListsWith",
        "lib.zipListsWith (a: b: a + b) [ 1 2 3 ] [ 10 20 ]",
        "[ 11 22 ]",
    ),
    (
        "zipLists",
        'lib.zipLists [ 1 2 ] [ "a" ]',
        '[ { fst = 1; snd = "a"; } ]',
    ),
    (
        "reverseList",
        "lib.reverseList [ 1 2 3 ]",
        "[ 3 2 1 ]",
    ),
    (
        "imap0-imap1",
        "[ (lib.imap0 (i: v: i * v) [ 5 6 ]) (lib.imap1 (i: v: i * v) [ 5 6 ]) ]",
        "[ [ 0 6 ] [ 5 12 ] ]",
    ),
    (
        "take-drop",
        "[ (lib.take 2 [ 1 2 3 ]) (lib.take 9 [ 1 2 ]) (lib.drop 2 [ 1 2 3 ]) (lib.drop 9 [ 1 ]) ]",
        "[ [ 1 2 ] [ 1 2 ] [ 3 ] [ ] ]",
    ),
    (
        "sublist",
        "[ (lib.sublist 1 2 [ 1 2 3 4 ]) (lib.sublist 3 5 [ 1 2 3 4 ]) (lib.sublist 7 1 [ 1 ]) ]",
        "[ [ 2 3 ] [ 4 ] [ ] ]",
    ),
    (
        "findFirst",
        "[ (lib.findFirst (x: x > 2) 0 [ 1 3 4 ]) (lib.findFirst (x: x > 9) 0 [ 1 ]) ]",
        "[ 3 0 ]",
    ),
    (
        "findFirst-lazy",
        'lib.findFirst (x: x == 1) 0 [ 1 (throw "later") ]',
        "1",
    ),
    (
        "findFirstIndex",
        '[ (lib.findFirstIndex (x: x == "b") null [ "a" "b" ]) (lib.findFirstIndex (x: false) 7 [ 1 ]) ]',
        "[ 1 7 ]",
    ),
    (
        "findSingle",
        (
            '[ (lib.findSingle (x: x == 1) "none" "many" [ 1 2 ]) (lib.findSingle (x: x > 0) "none" "many" [ 1 2 '
            ']) (lib.findSingle (x: x > 5) "none" "many" [ 1 ]) ]'
        ),
        '[ 1 "many" "none" ]',
    ),
    (
        "count",
        "lib.count (x: x > 1) [ 1 2 3 ]",
        "builtins.length (builtins.filter (x: x > 1) [ 1 2 3 ])",
    ),
    (
        "remove",
        "lib.remove 2 [ 1 2 3 2 ]",
        "builtins.filter (x: x != 2) [ 1 2 3 2 ]",
    ),
    (
        "replicate",
        'lib.replicate 3 "x"',
        '[ "x" "x" "x" ]',
    ),
    (
        "subtract-intersect",
        "[ (lib.subtractLists [ 1 ] [ 1 2 1 3 ]) (lib.intersectLists [ 1 3 ] [ 3 2 1 ]) ]",
        "[ [ 2 3 ] [ 3 1 ] ]",
    ),
    (
        "mutuallyExclusive",
        "[ (lib.mutuallyExclusive [ 1 2 ] [ 3 ]) (lib.mutuallyExclusive [ 1 ] [ 2 1 ]) ]",
        "[ true false ]",
    ),
    (
        "ifilter0",
        "lib.ifilter0 (i: v: i == 0 || v > 3) [ 1 2 5 ]",
        "[ 1 5 ]",
    ),
    (
        "crossLists",
        "lib.crossLists (a: b: a + b) [ [ 1 2 ] [ 10 20 ] ]",
        "[ 11 21 12 22 ]",
    ),
    (
        "sortOn",
        "lib.sortOn (x: x.k) [ { k = 2; v = 1; } { k = 1; v = 2; } { k = 2; v = 3; } ]",
        "[ { k = 1; v = 2; } { k = 2; v = 1; } { k = 2; v = 3; } ]",
    ),
    (
        "compareLists",
        (
            "[ (lib.compareLists builtins.sub [ 1 2 ] [ 1 3 ]) (lib.compareLists builtins.sub [ ] [ ]) "
            "(lib.compareLists builtins.sub [ 1 ] [ ]) ]"
        ),
        "[ (-1) 0 1 ]",
    ),
    (
        "forEach-singleton",
        "[ (lib.forEach [ 1 2 ] (x: x * 2)) (lib.singleton 4) ]",
        "[ [ 2 4 ] [ 4 ] ]",
    ),
    # -- strings ----------------------------------------------------------------------------
    (
        "concatStringsSep",
        'lib.concatStringsSep ", " [ "a" "b" ]',
        'builtins.concatStringsSep ", " [ "a" "b" ]',
    ),
    (
        "concatStrings",
        'lib.concatStrings [ "a" "b" ]',
        '"ab"',
    ),
    (
        "concatMapStrings",
        'lib.concatMapStrings (x: x + "-") [ "a" "b" ]',
        'builtins.concatStringsSep "" (map (x: x + "-") [ "a" "b" ])',
    ),
    (
        "concatMapStringsSep",
        'lib.concatMapStringsSep "," toString [ 1 2 3 ]',
        'builtins.concatStringsSep "," (map toString [ 1 2 3 ])',
    ),
    (
        "concatImapStrings",
        'lib.concatImapStrings (i: x: "${toString i}${x}") [ "a" "b" ]',
        '"1a2b"',
    ),
    (
        "concatImapStringsSep",
        'lib.concatImapStringsSep "-" (i: x: "${toString i}${x}") [ "a" "b" ]',
        '"1a-2b"',
    ),
    (
        "concatLines",
        '[ (lib.concatLines [ "a" "b" ]) (lib.concatLines [ ]) ]',
        '[ "a\\nb\\n" "" ]',
    ),
    (
        "intersperse",
        '[ (lib.intersperse "/" [ "a" "b" "c" ]) (lib.intersperse "/" [ "a" ]) ]',
        '[ [ "a" "/" "b" "/" "c" ] [ "a" ] ]',
    ),
    (
        "optionalString",
        '[ (lib.optionalString true "x") (lib.optionalString false "x") ]',
        '[ "x" "" ]',
    ),
    (
        "hasPrefix",
        (
            '[ (lib.hasPrefix "fo" "foo") (lib.hasPrefix "oo" "foo") (lib.hasPrefix "" "x") (lib.hasPrefix "foo!" '
            '"foo") ]'
        ),
        "[ true false true false ]",
    ),
    (
        "hasSuffix",
        (
            '[ (lib.hasSuffix "oo" "foo") (lib.hasSuffix "fo" "foo") (lib.hasSuffix "" "x") (lib.hasSuffix "xfoo" '
            '"foo") ]'
        ),
        "[ true false true false ]",
    ),
    (
        "hasInfix",
        '[ (lib.hasInfix "b.c" "ab.cd") (lib.hasInfix "b.c" "abxcd") (lib.hasInfix "" "") ]',
        "[ true false true ]",
    ),
    (
        "removePrefix",
        '[ (lib.removePrefix "/nix/" "/nix/store") (lib.removePrefix "x" "abc") (lib.removePrefix "abc" "ab") ]',
        '[ "store" "abc" "ab" ]',
    ),
    (
        "removeSuffix",
        '[ (lib.removeSuffix ".tar" "a.tar") (lib.removeSuffix "x" "abc") (lib.removeSuffix "abc" "bc") ]',
        '[ "a" "abc" "bc" ]',
    ),
    (
        "toLower-toUpper",
        '[ (lib.toLower "Hello-WORLD_1é") (lib.toUpper "Hello-world_1é") ]',
        '[ "hello-world_1é" "HELLO-WORLD_1é" ]',
    ),
    (
        "splitString",
        '[ (lib.splitString "." "a.b..c") (lib.splitString "ab" "xabyab") (lib.splitString "," "") ]',
        '[ [ "a" "b" "" "c" ] [ "x" "y" "" ] [ "" ] ]',
    ),
    (
        "splitString-regex-chars",
        'lib.splitString "+*" "1+*2+3"',
        '[ "1" "2+3" ]',
    ),
    (
        "splitString-context",
        'map builtins.getContext (lib.splitString "|" "${builtins.toFile "f" "x"}|y")',
        'let c = builtins.getContext "${builtins.toFile "f" "x"}"; in [ c c ]',
    ),
    (
        "stringToCharacters",
        'lib.stringToCharacters "abc"',
        '[ "a" "b" "c" ]',
    ),
    (
        "escape",
        'lib.escape [ "$" "(" ] "a$(b)"',
        '"a\\\\$\\\\(b)"',
    ),
    (
        "escapeShellArg",
        'map lib.escapeShellArg [ "abc" "a b" "it\'s" "" "/nix/store/x-y_1.2:3@%,+" "$HOME" 12 ]',
        '[ "abc" "\'a b\'" "\'it\'\\\\\'\'s\'" "\'\'" "/nix/store/x-y_1.2:3@%,+" "\'$HOME\'" "12" ]',
    ),
    (
        "escapeShellArgs",
        'lib.escapeShellArgs [ "a" "b c" ]',
        "\"a 'b c'\"",
    ),
    (
        "escapeNixString",
        'lib.escapeNixString "a\\"\\${x}"',
        '"\\"a\\\\\\"\\\\\\${x}\\""',
    ),
    (
        "escapeRegex",
        'lib.escapeRegex "a.b*c[d]"',
        '"a\\\\.b\\\\*c\\\\[d]"',
    ),
    (
        "escapeNixIdentifier",
        'map lib.escapeNixIdentifier [ "foo" "foo-bar\'" "1x" "a b" ]',
        '[ "foo" "foo-bar\'" "\\"1x\\"" "\\"a b\\"" ]',
    ),
    (
        "isValidPosixName",
        'map lib.isValidPosixName [ "_a1" "1a" "a-b" ]',
        "[ true false false ]",
    ),
    (
        "toShellVar",
        '[ (lib.toShellVar "A" "x y") (lib.toShellVar "L" [ "a" "b c" ]) (lib.toShellVar "M" { k = "v w"; }) ]',
        "[ \"A='x y'\" \"declare -a L=(a 'b c')\" \"declare -A M=([k]='v w')\" ]",
    ),
    (
        "toShellVar-bad-name",
        'lib.toShellVar "a-b" "x"',
        'throw "toShellVar: a-b is not a valid shell variable name"',
    ),
    (
        "makeSearchPath",
        'lib.makeSearchPath "bin" [ "/a" null "/b" ]',
        '"/a/bin:/b/bin"',
    ),
    (
        "makeBinPath",
        'lib.makeBinPath [ drv fakePkg "/usr" ]',
        '"${drv.bin}/bin:${fakePkg.bin}/bin:/usr/bin"',
    ),
    (
        "makeLibraryPath",
        "lib.makeLibraryPath [ drv fakePkg ]",
        '"${drv.lib}/lib:${fakePkg}/lib"',
    ),
    (
        "versionOlder-AtLeast",
        '[ (lib.versionOlder "1.2" "1.10") (lib.versionAtLeast "1.2" "1.2") (lib.versionAtLeast "1.2" "1.3") ]',
        "[ true true false ]",
    ),
    (
        "getName-getVersion",
        (
            '[ (lib.getName "hello-2.12") (lib.getVersion "hello-2.12") (lib.getName drv) (lib.getName { pname = '
            '"p"; }) ]'
        ),
        '[ "hello" "2.12" "pkg" "p" ]',
    ),
    (
        "fixedWidth",
        '[ (lib.fixedWidthString 5 "0" "12") (lib.fixedWidthNumber 3 7) ]',
        '[ "00012" "007" ]',
    ),
    (
        "fixedWidth-too-long",
        'lib.fixedWidthString 1 "0" "12"',
        'throw "fixedWidthString: requested string length (1) must not be shorter than actual length (2)"',
    ),
    (
        "toInt",
        'map lib.toInt [ "42" " -7 " "0" ]',
        "[ 42 (-7) 0 ]",
    ),
    (
        "toInt-leading-zero",
        'lib.toInt "007"',
        'throw "toInt: Ambiguity in interpretation of \\"007\\" between octal and zero padded integer."',
    ),
    (
        "toInt-bad",
        'lib.toInt "4x"',
        'throw "toInt: Could not convert \\"4x\\" to int."',
    ),
    (
        "isStringLike-isStorePath",
        (
            '[ (lib.isStringLike drv) (lib.isStringLike 1) (lib.isStorePath drv) (lib.isStorePath "${drv}/bin") '
            '(lib.isStorePath "/tmp") ]'
        ),
        "[ true false true false false ]",
    ),
    (
        "trim",
        '[ (lib.trim "  a b \\n") (lib.trimWith { start = true; } "  a ") (lib.trim "   ") ]',
        '[ "a b" "a " "" ]',
    ),
    # -- attrsets ---------------------------------------------------------------------------
    (
        "nameValuePair",
        'lib.nameValuePair "a" 1',
        '{ name = "a"; value = 1; }',
    ),
    (
        "mapAttrs-prime",
        'lib.mapAttrs\' (n: v: lib.nameValuePair "x-${n}" (v * 2)) { a = 1; b = 2; }',
        'builtins.listToAttrs (map (n: { name = "x-${n}"; value = { a = 1; b = 2; }.${n} * 2; }) [ "a" "b" ])',
    ),
    (
        "mapAttrsToList",
        'lib.mapAttrsToList (n: v: "${n}=${toString v}") { b = 2; a = 1; }',
        'map (n: "${n}=${toString { b = 2; a = 1; }.${n}}") (builtins.attrNames { b = 2; a = 1; })',
    ),
    (
        "filterAttrs",
        'lib.filterAttrs (n: v: v > 1 && n != "c") { a = 1; b = 2; c = 3; }',
        "{ b = 2; }",
    ),
    (
        "filterAttrsRecursive",
        'lib.filterAttrsRecursive (n: v: n != "e") nested',
        "{ a = 1; b = { c = 2; d = { }; }; f = [ 1 2 ]; }",
    ),
    (
        "attrByPath",
        (
            '[ (lib.attrByPath [ "b" "d" "e" ] 0 nested) (lib.attrByPath [ "b" "x" ] 0 nested) (lib.attrByPath [ '
            '"a" "x" ] 0 nested) (lib.attrByPath [ ] 0 { z = 1; }) ]'
        ),
        "[ 3 0 0 { z = 1; } ]",
    ),
    (
        "hasAttrByPath",
        ('[ (lib.hasAttrByPath [ "b" "c" ] nested) (lib.hasAttrByPath [ "b" "z" ] nested) (lib.hasAttrByPath [ ] 1) ]'),
        "[ true false true ]",
    ),
    (
        "setAttrByPath",
        'lib.setAttrByPath [ "a" "b" ] 1',
        "{ a.b = 1; }",
    ),
    (
        "getAttrFromPath",
        'lib.getAttrFromPath [ "b" "c" ] nested',
        "2",
    ),
    (
        "genAttrs",
        'lib.genAttrs [ "x" "y" ] (n: n + n)',
        '{ x = "xx"; y = "yy"; }',
    ),
    (
        "attrVals-getAttrs",
        '[ (lib.attrVals [ "b" "a" ] { a = 1; b = 2; }) (lib.getAttrs [ "a" ] { a = 1; b = 2; }) ]',
        "[ [ 2 1 ] { a = 1; } ]",
    ),
    (
        "collect",
        "lib.collect builtins.isInt nested",
        "[ 1 2 3 ]",
    ),
    (
        "collect-sets",
        "lib.collect (x: x ? e) nested",
        "[ { e = 3; } ]",
    ),
    (
        "isDerivation",
        "[ (lib.isDerivation drv) (lib.isDerivation { }) (lib.isDerivation fakePkg) ]",
        "[ true false true ]",
    ),
    (
        "optionalAttrs",
        "[ (lib.optionalAttrs true { a = 1; }) (lib.optionalAttrs false { a = 1; }) ]",
        "[ { a = 1; } { } ]",
    ),
    (
        "recursiveUpdate",
        "lib.recursiveUpdate nested { b = { d = { x = 1; }; c = { y = 2; }; }; f = 5; }",
        "{ a = 1; b = { c = { y = 2; }; d = { e = 3; x = 1; }; }; f = 5; }",
    ),
    (
        "recursiveUpdateUntil",
        'lib.recursiveUpdateUntil (path: l: r: path == [ "b" "d" ]) nested { b.d.x = 1; b.q = 0; }',
        "{ a = 1; b = { c = 2; d = { x = 1; }; q = 0; }; f = [ 1 2 ]; }",
    ),
    (
        "zipAttrsWith",
        "lib.zipAttrsWith (n: vs: vs) [ { a = 1; } { a = 2; b = 3; } ]",
        "{ a = [ 1 2 ]; b = [ 3 ]; }",
    ),
    (
        "zipAttrs",
        "lib.zipAttrs [ { a = 1; } { a = 2; } ]",
        "{ a = [ 1 2 ]; }",
    ),
    (
        "foldAttrs",
        "lib.foldAttrs (v: acc: [ v ] ++ acc) [ ] [ { a = 1; } { a = 2; b = 3; } ]",
        "{ a = [ 1 2 ]; b = [ 3 ]; }",
    ),
    (
        "foldlAttrs",
        'lib.foldlAttrs (acc: n: v: acc + n + toString v) "" { b = 2; a = 1; }',
        '"a1b2"',
    ),
    (
        "concatMapAttrs",
        'lib.concatMapAttrs (n: v: { "${n}1" = v; "${n}2" = v + 1; }) { a = 1; }',
        "{ a1 = 1; a2 = 2; }",
    ),
    (
        "mapAttrsRecursive",
        'lib.mapAttrsRecursive (path: v: builtins.concatStringsSep "." path) { a.b = 1; c = 2; }',
        '{ a.b = "a.b"; c = "c"; }',
    ),
    (
        "mapAttrsRecursiveCond",
        "lib.mapAttrsRecursiveCond (s: !(s ? stop)) (p: v: 0) { a.b = 1; c = { stop = 1; }; }",
        "{ a.b = 0; c = 0; }",
    ),
    (
        "matchAttrs",
        (
            "[ (lib.matchAttrs { b.c = 2; } nested) (lib.matchAttrs { b.c = 3; } nested) (lib.matchAttrs { z = 1; "
            "} nested) ]"
        ),
        "[ true false false ]",
    ),
    (
        "overrideExisting",
        "lib.overrideExisting { a = 1; b = 2; } { b = 3; c = 4; }",
        "{ a = 1; b = 3; }",
    ),
    (
        "attrsToList",
        "lib.attrsToList { b = 1; a = 2; }",
        '[ { name = "a"; value = 2; } { name = "b"; value = 1; } ]',
    ),
    (
        "cartesianProduct",
        "lib.cartesianProduct { a = [ 1 2 ]; b = [ 3 ]; }",
        "[ { a = 1; b = 3; } { a = 2; b = 3; } ]",
    ),
    (
        "unionOfDisjoint",
        "[ (lib.unionOfDisjoint { a = 1; } { b = 2; }) ]",
        "[ { a = 1; b = 2; } ]",
    ),
    (
        "unionOfDisjoint-collision",
        "(lib.unionOfDisjoint { a = 1; } { a = 2; }).a",
        'throw "unionOfDisjoint: collision on a; complete list: a"',
    ),
    (
        "recurseIntoAttrs",
        "lib.recurseIntoAttrs { a = 1; }",
        "{ a = 1; recurseForDerivations = true; }",
    ),
    (
        "getOutput",
        (
            '[ (lib.getOutput "bin" drv).outPath (lib.getBin fakePkg).outPath (lib.getOutput "dev" drv).outPath '
            "(lib.getBin drv.lib).outPath (lib.getBin (lib.extendDerivation true { } drv).lib).outPath (lib.getLib "
            '"/x") ]'
        ),
        '[ drv.bin.outPath fakePkg.bin.outPath drv.out.outPath drv.bin.outPath drv.lib.outPath "/x" ]',
    ),
    (
        "getExe",
        '[ (lib.getExe fakePkg) (lib.getExe\' drv "prog") ]',
        '[ "${fakePkg.bin}/bin/tl" "${drv.bin}/bin/prog" ]',
    ),
    (
        "getExe-prime-not-drv",
        'lib.getExe\' "x" "y"',
        ('throw "lib.meta.getExe\': The first argument is of type string, but it should be a derivation instead."'),
    ),
    # -- trivial ----------------------------------------------------------------------------
    (
        "id-const-flip",
        "[ (lib.id 1) (lib.const 1 2) (lib.flip builtins.sub 1 10) ]",
        "[ 1 1 9 ]",
    ),
    (
        "pipe",
        "lib.pipe 2 [ (x: x + 1) (x: x * 10) toString ]",
        '"30"',
    ),
    (
        "boolToString-xor",
        (
            "[ (lib.boolToString true) (lib.xor true false) (lib.xor true true) (lib.and true false) (lib.or false "
            "true) ]"
        ),
        '[ "true" true false false true ]',
    ),
    (
        "mod-min-max-compare",
        '[ (lib.mod 7 3) (lib.mod (-7) 3) (lib.min 1 2) (lib.max 1 2) (lib.compare 1 2) (lib.compare "b" "a") ]',
        "[ 1 (-1) 1 2 (-1) 1 ]",
    ),
    (
        "defaultTo-mapNullable",
        (
            "[ (lib.defaultTo 1 null) (lib.defaultTo 1 2) (lib.mapNullable (x: x + 1) null) (lib.mapNullable (x: x "
            "+ 1) 1) ]"
        ),
        "[ 1 2 null 2 ]",
    ),
    (
        "toHexString-toBaseDigits",
        "[ (lib.toHexString 255) (lib.toHexString 0) (lib.toBaseDigits 2 6) ]",
        '[ "FF" "0" [ 1 1 0 ] ]',
    ),
    (
        "warnIf-value",
        'lib.warnIf false "never" 5',
        "5",
    ),
    (
        "throwIf",
        'lib.throwIf true "bad" 5',
        'throw "bad"',
    ),
    (
        "throwIfNot",
        'lib.throwIfNot true "bad" 5',
        "5",
    ),
    (
        "assertMsg",
        'assert lib.assertMsg (1 == 2) "one is not two"; 0',
        'throw "one is not two"',
    ),
    (
        "isFunction-functor",
        "[ (lib.isFunction (x: x)) (lib.isFunction { __functor = s: x: x; }) (lib.isFunction { }) ]",
        "[ true true false ]",
    ),
    (
        "functionArgs",
        "[ (lib.functionArgs ({ a, b ? 1 }: a)) (lib.functionArgs (lib.setFunctionArgs (x: x) { q = true; })) ]",
        "[ { a = false; b = true; } { q = true; } ]",
    ),
    (
        "mirrorFunctionArgs",
        "lib.functionArgs (lib.mirrorFunctionArgs ({ a }: a) (x: x))",
        "{ a = false; }",
    ),
    (
        "toFunction",
        "[ (lib.toFunction 3 0) (lib.toFunction (x: x + 1) 0) ]",
        "[ 3 1 ]",
    ),
    (
        "fix-extends",
        "lib.fix (lib.extends (final: prev: { b = prev.a + 1; }) (self: { a = 1; c = self.b; }))",
        "{ a = 1; b = 2; c = 2; }",
    ),
    (
        "composeManyExtensions",
        (
            "lib.fix (lib.extends (lib.composeManyExtensions [ (f: p: { a = p.a + 1; }) (f: p: { a = p.a * 10; }) "
            "]) (s: { a = 1; }))"
        ),
        "{ a = 20; }",
    ),
    (
        "makeExtensible",
        "((lib.makeExtensible (self: { a = 1; b = self.a; })).extend (f: p: { a = 5; })).b",
        "5",
    ),
    # -- customisation ----------------------------------------------------------------------
    (
        "makeOverridable",
        (
            "let f = lib.makeOverridable ({ a, b ? 2 }: { sum = a + b; }); r = f { a = 1; }; in [ r.sum "
            "(r.override { b = 10; }).sum (r.override (old: { a = old.a * 5; })).sum ((r.override { a = 0; "
            "}).override { b = 0; }).sum ]"
        ),
        "[ 3 11 7 0 ]",
    ),
    (
        "makeOverridable-functionArgs",
        "builtins.attrNames (lib.functionArgs (lib.makeOverridable ({ a, b ? 2 }: a)))",
        '[ "a" "b" ]',
    ),
    (
        "callPackageWith",
        "let r = lib.callPackageWith { a = 1; b = 2; c = 3; } ({ a, b, d ? 4 }: a + b + d) { b = 20; }; in r",
        "25",
    ),
    (
        "callPackageWith-override",
        "let r = lib.callPackageWith { a = 1; } ({ a }: { v = a; }) { }; in [ r.v (r.override { a = 5; }).v ]",
        "[ 1 5 ]",
    ),
    (
        "extendDerivation",
        (
            "let d = lib.extendDerivation true { extra = 1; } drv; in [ d.extra d.bin.extra d.bin.outputName "
            "(d.outPath == drv.outPath) d.lib.outputSpecified ]"
        ),
        '[ 1 1 "bin" true true ]',
    ),
    # -- meta, versions, misc ---------------------------------------------------------------
    (
        "versions",
        (
            '[ (lib.versions.major "1.2.3") (lib.versions.minor "1.2.3") (lib.versions.patch "1.2.3") '
            '(lib.versions.majorMinor "1.2.3") (lib.versions.pad 3 "1.2-rc1") (lib.versions.splitVersion "1.2a") ]'
        ),
        '[ "1" "2" "3" "1.2" "1.2.0-rc1" [ "1" "2" "a" ] ]',
    ),
    (
        "fakeHashes",
        "[ lib.fakeHash lib.fakeSha256 (builtins.stringLength lib.fakeSha512) ]",
        (
            '[ "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" '
            '"0000000000000000000000000000000000000000000000000000" 128 ]'
        ),
    ),
    (
        "meta-priority",
        "[ (lib.lowPrio { }).meta.priority (lib.hiPrio { meta.x = 1; }).meta (lib.meta.defaultPriority) ]",
        "[ 10 { priority = -10; x = 1; } 5 ]",
    ),
    (
        "appendToName",
        '(lib.appendToName "wrapped" { name = "hello-2.12"; }).name',
        '"hello-wrapped-2.12"',
    ),
    (
        "licenses",
        '[ lib.licenses.mit.spdxId lib.licenses.asl20.free (lib.meta.getLicenseFromSpdxId "mit").shortName ]',
        '[ "MIT" true "mit" ]',
    ),
    (
        "platforms",
        'builtins.elem "x86_64-linux" lib.platforms.linux',
        "true",
    ),
    (
        "strings-lists-attrsets-namespaces",
        (
            '[ (lib.strings.hasPrefix "a" "ab") (lib.lists.last [ 1 2 ]) (lib.attrsets.attrByPath [ "a" ] 0 { a = '
            "1; }) (lib.trivial.id 1) ]"
        ),
        "[ true 2 1 1 ]",
    ),
    (
        "normalizeHash",
        (
            '[ (lib.fetchers.normalizeHash { } { hash = ""; x = 1; }) (lib.fetchers.normalizeHash { } { sha256 = '
            '"abc"; }) ]'
        ),
        (
            '[ { outputHash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="; outputHashAlgo = null; x = 1; '
            '} { outputHash = "abc"; outputHashAlgo = "sha256"; } ]'
        ),
    ),
    (
        "withNormalizedHash",
        (
            "let f = lib.fetchers.withNormalizedHash { } ({ outputHash, outputHashAlgo ? null, n ? 0 }: { inherit "
            'outputHash outputHashAlgo; }); in [ (lib.functionArgs f) (f { sha256 = "s"; }) ]'
        ),
        '[ { hash = false; n = true; } { outputHash = "s"; outputHashAlgo = "sha256"; } ]',
    ),
]
