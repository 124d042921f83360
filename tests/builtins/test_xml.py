"""``builtins.toXML`` and the ``--xml`` printer against real Nix 2.8."""

from __future__ import annotations

from pathlib import Path

from nixdiff import Nix, check_errors, check_same
from pydock.evaluator.builtins.xml import prim_to_xml, value_to_xml
from pydock.evaluator.errors import Pos, Source
from pydock.evaluator.values import Attrs, CStr, Lambda, NixPath, PrimOp, PrimOpApp, Thunk


class FakeLambda(Lambda):
    """A user function as the XML printer sees it (the compiler provides the real accessor)."""

    __slots__ = ("info",)

    def __init__(self, arg: str | None, formals: list[str] | None, ellipsis: bool = False, pos: Pos | None = None):
        super().__init__(None, None)
        self.info = (arg, formals, ellipsis, pos)

    def lambda_info(self) -> tuple:
        return self.info


_MAP = PrimOp("map", 2, lambda f, xs: xs)
_DRV = {"type": "derivation", "drvPath": "/nix/store/x.drv", "outPath": "/nix/store/x", "name": "x"}
_DRV_NIX = '{ type = "derivation"; drvPath = "/nix/store/x.drv"; outPath = "/nix/store/x"; name = "x"; }'

CASES: list[tuple[str, object]] = [
    ("1", 1),
    ("(-5)", -5),
    ("1.5", 1.5),
    ("1.0e20", 1e20),
    ("(1.0 / 3.0)", 1.0 / 3.0),
    ("true", True),
    ("null", None),
    ('"x<>&\\"\'\\n\\t\\r y"', "x<>&\"'\n\t\r y"),
    ("/tmp", NixPath("/tmp")),
    ("{ }", {}),
    ("[ ]", []),
    ("[ 1 [ 2 ] { } ]", [1, [2], {}]),
    ('{ b = 1; a = 2; "é" = 3; "A" = 4; "" = 5; "a\\"<b" = 6; }', {"b": 1, "a": 2, "é": 3, "A": 4, "": 5, 'a"<b': 6}),
    ('{ a = { b = [ { c = "d"; } ]; }; }', {"a": {"b": [{"c": "d"}]}}),
    ("x: x", FakeLambda("x", None)),
    ("{ a, b ? 1, ... }: a", FakeLambda(None, ["a", "b"], True)),
    ("args@{ z, y }: z", FakeLambda("args", ["z", "y"])),
    ("{ }: 1", FakeLambda(None, [])),
    ("a@{ ... }: 1", FakeLambda("a", [], True)),
    ("[ builtins.map (builtins.map (x: x)) ]", [_MAP, PrimOpApp(_MAP, (FakeLambda("x", None),))]),
    (f"let d = {_DRV_NIX}; in [ d d ]", [_DRV, dict(_DRV)]),
    (
        '[ { type = "derivation"; } { type = "derivation"; drvPath = 1; outPath = "/o"; } ]',
        [
            {"type": "derivation"},
            {"type": "derivation", "drvPath": 1, "outPath": "/o"},
        ],
    ),
    (
        f'let d = {_DRV_NIX}; in d // {{ self = d; other = d // {{ drvPath = "/nix/store/y.drv"; }}; }}',
        {**_DRV, "self": _DRV, "other": {**_DRV, "drvPath": "/nix/store/y.drv"}},
    ),
    ('{ type = "notderivation"; drvPath = "x"; }', {"type": "notderivation", "drvPath": "x"}),
    ("let x = 1 + 1; in { a = x; }", {"a": Thunk(lambda _env: 2, None)}),
]


def test_to_xml(nix: Nix) -> None:
    check_same(nix, [(f"builtins.toXML ({expr})", lambda v=v: prim_to_xml(v)) for expr, v in CASES])


def test_to_xml_errors(nix: Nix) -> None:
    def boom(_env: object) -> object:
        from pydock.evaluator.errors import ThrownError

        raise ThrownError("oops")

    check_errors(nix, [('builtins.toXML { a = throw "oops"; }', lambda: prim_to_xml({"a": Thunk(boom, None)}))])


def test_to_xml_context() -> None:
    s = CStr("/nix/store/aaa-a", frozenset({"/nix/store/aaa-a"}))
    out = prim_to_xml([s, {"x": s}])
    assert type(out) is CStr and out.ctx == {"/nix/store/aaa-a"}
    assert type(prim_to_xml([1])) is str


def _cli_xml(nix: Nix, *args: str) -> str:
    return nix.run_args("--eval", "--xml", *args)


def test_cli_xml_with_locations_for_expression(nix: Nix) -> None:
    text = "{ a = 1;\n  b = x: x; }"
    src = Source("«string»", text, "string")
    v = Attrs({"a": 1, "b": FakeLambda("x", None, False, Pos(src, 2, 7))})
    v.pos = {"a": Pos(src, 1, 3), "b": Pos(src, 2, 3)}
    assert value_to_xml(v, strict=True, location=True) == _cli_xml(nix, "--strict", "-E", text) + "\n"


def test_cli_xml_with_locations_for_file(nix: Nix, tmp_path: Path) -> None:
    f = tmp_path / "x.nix"
    text = '{ a = 1;\n  f = { x, ... }: x; l = [ { } ]; s = "q"; }\n'
    f.write_text(text)
    src = Source(str(f), text, "file")
    v = Attrs({"a": 1, "f": FakeLambda(None, ["x"], True, Pos(src, 2, 7)), "l": [{}], "s": "q"})
    v.pos = {"a": Pos(src, 1, 3), "f": Pos(src, 2, 3), "l": Pos(src, 2, 22), "s": Pos(src, 2, 35)}
    assert value_to_xml(v, strict=True, location=True) == _cli_xml(nix, "--strict", str(f)) + "\n"


def test_cli_xml_lazy(nix: Nix) -> None:
    # without --strict, unevaluated attributes print as <unevaluated />
    text = "{ a = 1 + 1; b = [ 2 ]; }"
    v = {"a": Thunk(lambda _env: 2, None), "b": Thunk(lambda _env: [2], None)}
    assert value_to_xml(v, strict=False, location=False) == _cli_xml(nix, "--no-location", "-E", text) + "\n"
