"""``builtins.match`` / ``builtins.split`` against real Nix (libstdc++ POSIX extended regexes)."""

from __future__ import annotations

import random

from nixdiff import Nix, check_errors, check_same, nix_str
from pydock.evaluator.builtins.regex import _Executor, compile_regex, prim_match, prim_split
from pydock.evaluator.values import CStr

# (pattern, subject) pairs run through both match and split.
CASES: list[tuple[str, str]] = [
    ("a(b)?c", "ac"),
    ("a(b)?c", "abc"),
    ("abc", "abc"),
    ("ab", "abc"),
    ("", ""),
    ("", "abc"),
    ("a|ab", "abc"),  # split keeps the longest alternative, match the first that fits
    ("ab|a", "abc"),
    ("(a|ab)(c|bcd)", "abcd"),
    ("(a|ab)(c|bcd)(d*)", "abcd"),
    ("(a)|(c)", "abc"),
    ("(a|)*", "aa"),
    ("(a*)*", ""),
    ("(a*)*", "b"),
    ("(a*)+", "aa"),
    ("(a?)*", "aa"),
    ("(a*)*b", "aab"),
    ("((a)|b)+", "ab"),
    ("(()|a)+", "aa"),
    ("(a|b)*c", "ababc"),
    ("x*", "abc"),
    ("a*", "baaac"),
    ("a*", "aab"),
    ("[[:space:]]+([[:upper:]]+)[[:space:]]+", "  FOO   "),
    ("([[:upper:]]+)", "  FOO   "),
    ("[[:alpha:]]+", "abcXYZ"),
    ("[[:digit:]]+", "0123"),
    ("[[:alnum:]_]+", "a_1"),
    ("[[:punct:]]+", "!-/"),
    ("[[:xdigit:]]+", "09afAF"),
    ("[[:lower:]][[:upper:]]", "aB"),
    ("[[:blank:]]+", " \t "),
    ("[[:w:]]+", "a_b"),
    ("[[:ALPHA:]]", "q"),
    ("[]a]+", "]a]"),
    ("[^]a]+", "bcd"),
    ("[\\]+", "\\\\"),
    ("[a-]+", "a-a"),
    ("[]-a]+", "^_`a"),
    ("[--0]+", "-./0"),
    ("[[.hyphen.]]", "-"),
    ("[[.space.][.a.]]+", "a a"),
    ("[[=a=]]+", "aA"),
    ("[^[:space:]]+", "abc"),
    ("a{2}", "aa"),
    ("a{2,}", "aaaa"),
    ("a{1,2}", "aaa"),
    ("(ab){0,2}c", "ababc"),
    ("(a){0}b", "b"),
    ("a{4294967297,4294967298}", "a"),
    ("a**", "aa"),
    ("a+?", "aa"),
    ("(a|b)+?", "ab"),
    ("^a", "a"),
    ("a$", "a"),
    ("^a$", "a\n"),
    ("a^b", "ab"),
    ("(^a|b)", "ab"),
    ("x$|b", "abx"),
    (".", "é"),
    ("(..)", "é"),
    ("(.)(.)(.)", "a\nb"),
    ("\\.\\*\\+\\?\\(\\)\\[\\{\\|\\^\\$\\\\", ".*+?()[{|^$\\"),
    ("]}", "]}"),
    ("(.*)\\.nix", "default.nix"),
    ("([^/]*)/(.*)", "nixpkgs/lib/default.nix"),
    ("[0-9a-df-np-sv-z]{32}-.*", "0c7mxc9fd3c0zxnjf7y3y1j8hgkqbhcg-hello-2.12"),
    ("([0-9]+)\\.([0-9]+)(\\.([0-9]+))?", "2.12"),
    ("(.*)-([0-9].*)", "hello-world-2.12.1-pre"),
    ("/", "/nix/store/abc/def"),
    ("//+", "a//b///c"),
    ("[^[:alnum:]+._?=-]+", "foo bar/baz@1"),
    ("(a)(b)?", "aba"),
    ("((a)(b)?)+", "abaab"),
    ("(a|b|c|ab|bc)+", "abcabc"),
    ("(aa|a)(ab|b)", "aab"),
    ("(a*)(a|b)", "aab"),
    # matching is on bytes: "." is one byte, classes are ASCII-only, invalid UTF-8 passes through
    ("(.)(.*)", "\udcffabc"),
    ("[^a]+", "\udce9\udce9a"),
    ("[[:alpha:]]+", "é"),
    ("[é]", "\udca9"),
    ("(é|e)+", "eée"),
    ("[^[:print:]]+", "é"),
    ("[\udc80-\udcff]+", "é"),
]

BAD_REGEXES = [
    "(",
    ")",
    "a)",
    "[",
    "[a",
    "[]",
    "[z-a]",
    "[a--]",
    "[[:foo:]]",
    "[[.-.]]",
    "[[:alpha]",
    "*a",
    "a|*b",
    "^*",
    "a{",
    "a{,2}",
    "a{2,1}",
    "a{1,2,3}",
    "{1}",
    "\\",
    "\\d",
    "\\]",
    "\\}",
    "\\n",
    "[a-é]",  # bytes compare as signed chars: 'a' > 0xc3
]


def _match_expr(p: str, s: str) -> str:
    return f"builtins.match {nix_str(p)} {nix_str(s)}"


def _split_expr(p: str, s: str) -> str:
    return f"builtins.split {nix_str(p)} {nix_str(s)}"


def test_match_cases(nix: Nix) -> None:
    check_same(nix, [(_match_expr(p, s), lambda p=p, s=s: prim_match(p, s)) for p, s in CASES])


def test_split_cases(nix: Nix) -> None:
    check_same(nix, [(_split_expr(p, s), lambda p=p, s=s: prim_split(p, s)) for p, s in CASES])


def test_invalid_regexes(nix: Nix) -> None:
    check_errors(nix, [(_match_expr(p, "a"), lambda p=p: prim_match(p, "a")) for p in BAD_REGEXES])


def test_error_precedence_and_types(nix: Nix) -> None:
    # the regex is compiled before the subject is forced; the subject must be a string
    check_errors(
        nix,
        [
            ('builtins.match "(" 1', lambda: prim_match("(", 1)),
            ('builtins.match "a" 1', lambda: prim_match("a", 1)),
            ('builtins.split "a" null', lambda: prim_split("a", None)),
            ("builtins.match 1 1", lambda: prim_match(1, 1)),
        ],
    )


def test_state_limit(nix: Nix) -> None:
    # libstdc++ gives up past 100000 NFA states; the boundary must be the same
    check_same(nix, [(_match_expr("a{99993}", "a"), lambda: prim_match("a{99993}", "a"))])
    check_errors(
        nix,
        [
            (_match_expr("a{99994}", "a"), lambda: prim_match("a{99994}", "a")),
            (_match_expr("(a{1000}){1000}", "a"), lambda: prim_match("(a{1000}){1000}", "a")),
            # a syntax error found before the limit is reached wins
            (_match_expr("(a{1000}){1000}\\", "a"), lambda: prim_match("(a{1000}){1000}\\", "a")),
        ],
    )


def test_results_have_no_context(nix: Nix) -> None:
    expr = (
        'let f = builtins.toFile "a" "b"; in map (x: if builtins.isString x then builtins.hasContext x else x) '
        '(builtins.split "/" "${f}") ++ [ (builtins.hasContext (builtins.head (builtins.split "QQQ" "${f}"))) ]'
    )
    assert nix.json(expr).endswith(",false,[],false,true]")
    s = CStr("/nix/store/x-a", frozenset({"/nix/store/x-a"}))
    parts = prim_split("/", s)
    assert all(type(p) is str for p in parts if not isinstance(p, list))
    assert prim_split("QQQ", s)[0] is s  # no match: the original string, context and all
    assert all(type(g) is str for g in prim_match("(/nix)(.*)", s))


def _random_regex(rnd: random.Random, depth: int = 0) -> str:
    atoms = ["a", "b", ".", "[ab]", "[^a]", "()", "^", "$", "a*", "(a|)", "ab"]
    r = rnd.random()
    if depth > 2 or r < 0.3:
        return rnd.choice(atoms)
    if r < 0.5:
        return _random_regex(rnd, depth + 1) + _random_regex(rnd, depth + 1)
    if r < 0.65:
        return "(" + _random_regex(rnd, depth + 1) + ")"
    if r < 0.8:
        return _random_regex(rnd, depth + 1) + "|" + _random_regex(rnd, depth + 1)
    return "(" + _random_regex(rnd, depth + 1) + ")" + rnd.choice(["*", "+", "?", "{2}", "{0,2}", "{1,}"])


def test_random_patterns(nix: Nix) -> None:
    """Generated patterns: catches disagreements no hand-written case thought of."""
    rnd = random.Random(20240607)
    cases = []
    for _ in range(120):
        p = _random_regex(rnd)
        s = "".join(rnd.choice("abc") for _ in range(rnd.randint(0, 6)))
        cases.append((_match_expr(p, s), lambda p=p, s=s: prim_match(p, s)))
        cases.append((_split_expr(p, s), lambda p=p, s=s: prim_split(p, s)))
    check_same(nix, cases)


def test_python_and_nfa_engines_agree() -> None:
    """Where the fast path (Python ``re``) is allowed, it must agree with the NFA executor."""
    rnd = random.Random(7)
    for _ in range(300):
        p = _random_regex(rnd)
        s = "".join(rnd.choice("abc") for _ in range(rnd.randint(0, 6)))
        prog = compile_regex(p)
        data = s.encode()
        if prog.py_for_match:
            m = prog.py.fullmatch(data)
            caps = _Executor(prog, data).run(0, True, False, False)
            assert (m is None) == (caps is None), (p, s)
            if m is not None:
                assert [m.span(i) if m.group(i) is not None else None for i in range(m.re.groups + 1)] == [
                    c for c in caps
                ], (p, s)
        if prog.py_for_split:
            spans = [m.span() for m in prog.py.finditer(data)]
            assert spans == [c[0] for c in _Executor(prog, data).iterate()], (p, s)


def test_cache_returns_same_program() -> None:
    assert compile_regex("x(y)z") is compile_regex("x(y)z")
