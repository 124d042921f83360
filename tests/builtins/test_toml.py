"""``builtins.fromTOML`` against real Nix 2.8 (toml11 inside Nix, tomllib here)."""

from __future__ import annotations

import pytest
from nixdiff import Nix, NixFailed, check_errors, check_same, nix_str
from pydock.evaluator.builtins.toml import parse_toml, prim_from_toml
from pydock.evaluator.errors import NixError
from pydock.evaluator.state import EvalState
from pydock.evaluator.values import CStr

# the evaluation whose settings the builtins read (they take their EvalState explicitly)
STATE = EvalState()

OK = [
    "",
    "# only a comment\n",
    'a = 1\nb = "x"\nc = 1.5\nd = true\ne = [1, 2]',
    "[t]\nx = 1\n[[arr]]\ny = 2\n[[arr]]\ny = 3",
    "a.b.c = 1\n\"q k\" = 2\n'lit' = 3",
    "x = {a = 1, b = {c = 2}}",
    "[a.b]\nc = 1\n[a]\nd = 2",
    "a = \"\"\"\nfoo\nbar\"\"\"\nb = 'lit\\n'\nc = '''\nraw \\n'''",
    'a = "\\U0001F600 \\u00e9 \\t \\" \\\\"',
    "a = 9223372036854775807\nb = -9223372036854775808",
    "a = inf\nb = -inf\nc = +inf\nd = nan\ne = -nan",
    "a = 0x10\nb = 0o17\nc = 0b101\nd = 1_000\ne = +1\nf = -0",
    "a = 1e3\nb = 1e-5\nc = 3.14159265358979\nd = -0.0\ne = 1_0.5e1_0\nf = 6.02E23",
    "a = 1e400\nb = -1e400\nc = 1e-400\nd = 5e-324",
    'a = [1, "x", [true], {y = 1}]\nb = [1,2,]\nc = []',
    "[[a.b]]\nx = 1\n[[a.b]]\nx = 2\n[a.c]\ny = 3",
    "a = 1 # trailing\n\n# comment\n  b = 2  ",
    'a = "é☃"\n"é" = 1',
    "a = 1\r\nb = 2\r\n",
    "[ a . b ]\nc = 1",
    "\ufeffa = 1",
    "[[a]]\n[a.b]\nc = 1",
    'a = "x\ty"',
    "a = 1\n\r\nb = 2",
]

DATES = [
    "a = 1979-05-27T07:32:00Z",
    "a = 1979-05-27T00:32:00.999999-07:00",
    "a = 1979-05-27 07:32:00",
    "a = 1979-05-27",
    "a = 07:32:00",
    "[x]\ny = [1979-05-27]",
]

# Errors whose first line (toml11's) is reproduced exactly.
BAD_SAME_FIRST_LINE = [
    "a = 1\na = 2",
    "a = ",
    "a = # c",
    "a =\nb = 1",
    "a",
    "a b",
    "a b = 1",
    "[a]\nb=1\n[a]\nc=2",
    "[t]\na = 1\na = 2",
    "[t]\nx.y = 1\nx.y = 2",
    '[t]\n"q k" = 1\n"q k" = 2',
    '"a" = 1\na = 2',
    "[a.b]\n[a.b]",
    "[[a]]\n[a]",
    "[a]\n[[a]]",
    "a = 1\n[a]",
    "a = 1\n[[a]]",
    "a = {}\n[a]",
    "x = {a = 1, a = 2}",
    "a = {b = 1}\na.c = 2",
    "[t]\na = {}\n[t.a]",
]

# Errors where only the "while parsing a TOML string:" part is shared.
BAD_OTHER = [
    "a = 01",
    "a = 1__0",
    'a = "\\x"',
    "= 1",
    "[a",
    'a = "unterminated',
    "a = [1 2]",
    "a = tru",
    "a = 1 b = 2",
]


def test_from_toml(nix: Nix) -> None:
    check_same(nix, [(f"builtins.fromTOML {nix_str(s)}", lambda s=s: prim_from_toml(STATE, s)) for s in OK])


def test_dates_are_rejected(nix: Nix) -> None:
    check_errors(nix, [(f"builtins.fromTOML {nix_str(s)}", lambda s=s: prim_from_toml(STATE, s)) for s in DATES])


def test_common_errors(nix: Nix) -> None:
    check_errors(
        nix,
        [(f"builtins.fromTOML {nix_str(s)}", lambda s=s: prim_from_toml(STATE, s)) for s in BAD_SAME_FIRST_LINE],
        first_line_only=True,
    )


def test_other_syntax_errors(nix: Nix) -> None:
    """Both reject the document; the detail differs (toml11's report vs tomllib's description)."""
    prefix = "while parsing a TOML string: "
    for s in BAD_OTHER:
        with pytest.raises(NixFailed) as theirs:
            nix.json(f"builtins.fromTOML {nix_str(s)}")
        assert theirs.value.message.startswith(prefix), s
        with pytest.raises(NixError) as ours:
            prim_from_toml(STATE, s)
        assert ours.value.msg.startswith(prefix), s


def test_rejects_context() -> None:
    with pytest.raises(NixError, match="is not allowed to refer to a store path"):
        prim_from_toml(STATE, CStr("a = 1", frozenset({"/nix/store/aaa-a"})))


REFUSED = ["a = 9223372036854775808", "a = -9223372036854775809", 'a = "x\\u0000y"', '"a\\u0000" = 1']


@pytest.mark.parametrize("text", REFUSED)
def test_current_nix_refusals(nix: Nix, text: str) -> None:
    """Nix 2.8 clamped out-of-range integers and cut strings at a NUL; current Nix (toml11 v4)
    refuses both (suite eval-fail-fromTOML-{overflow,underflow,keyWithNullByte,valueWithNullByte})."""
    nix.json(f"builtins.fromTOML {nix_str(text)}")  # Nix 2.8 accepts it
    with pytest.raises(NixError, match="^while parsing TOML: "):
        parse_toml(text)
