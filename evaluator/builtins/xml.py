"""``builtins.toXML`` and the ``--xml`` printer, reproducing Nix 2.8's ``printValueAsXML``.

Builders parse this output (XSLT in old nixpkgs code), and its text ends up in derivation hashes,
so every detail matters: the header, two-space indentation, ``<attr>`` elements in byte order of
their names, XML attributes in alphabetical order, the ``«repeated»`` treatment of derivations seen
before (keyed by ``drvPath``), and the escaping, which only covers ``" < > &`` and newlines.
"""

from __future__ import annotations

from typing import Any

from ..compiler import lambda_info
from ..errors import Pos
from ..ops import encode, format_float
from ..values import (
    CStr,
    Lambda,
    NixPath,
    Thunk,
    force,
    is_derivation,
    mkstr,
)
from .registry import primop

_XML_ESCAPES = str.maketrans({'"': "&quot;", "<": "&lt;", ">": "&gt;", "&": "&amp;", "\n": "&#xA;"})


def _attrs_text(attrs: dict[str, str]) -> str:
    """XML attributes in name order (Nix keeps them in a ``std::map``)."""
    return "".join(f' {k}="{attrs[k].translate(_XML_ESCAPES)}"' for k in sorted(attrs))


def _pos_attrs(pos: Pos | None) -> dict[str, str]:
    """Where a value was defined; for ``-E`` and stdin Nix 2.8 puts the whole source text in ``path``."""
    if pos is None:
        return {}
    src = pos.source
    path = src.name if src.origin == "file" else src.text
    return {"path": path, "line": str(pos.line), "column": str(pos.col)}


def _lambda_info(f: Any) -> tuple[str | None, list[str] | None, bool, Pos | None]:
    """(argument name, formal names or None, has ellipsis, position) of a user function."""
    meth = getattr(f, "lambda_info", None)
    if meth is not None:
        return meth()
    return lambda_info(f)


def _sort_key(name: str) -> bytes:
    return encode(name)


class _XMLWriter:
    """Nix's XMLWriter with indentation on: one element per line, two spaces per level."""

    def __init__(self) -> None:
        self.out: list[str] = ["<?xml version='1.0' encoding='utf-8'?>\n"]
        self.open: list[str] = []

    def open_element(self, name: str, attrs: dict[str, str] | None = None) -> None:
        self.out.append(f"{'  ' * len(self.open)}<{name}{_attrs_text(attrs or {})}>\n")
        self.open.append(name)

    def close_element(self) -> None:
        name = self.open.pop()
        self.out.append(f"{'  ' * len(self.open)}</{name}>\n")

    def empty_element(self, name: str, attrs: dict[str, str] | None = None) -> None:
        self.out.append(f"{'  ' * len(self.open)}<{name}{_attrs_text(attrs or {})} />\n")

    def text(self) -> str:
        while self.open:
            self.close_element()
        return "".join(self.out)


class _Printer:
    """One ``printValueAsXML`` run: shares the set of derivations already shown."""

    def __init__(self, strict: bool, location: bool, ctx: set[str]) -> None:
        self.strict = strict
        self.location = location
        self.ctx = ctx
        self.doc = _XMLWriter()
        self.drvs_seen: set[str] = set()

    def _resolve(self, v: Any) -> Any:
        """The value to print: forced when strict, else only what is already evaluated."""
        if isinstance(v, Thunk):
            if self.strict or v.code is None:
                return v.force()
            return v
        return v

    def value(self, v: Any) -> None:
        v = self._resolve(v)
        doc = self.doc
        t = type(v)
        if t is bool:
            doc.empty_element("bool", {"value": "true" if v else "false"})
        elif t is int:
            doc.empty_element("int", {"value": str(v)})
        elif t is str or t is CStr:
            if t is CStr:
                self.ctx.update(v.ctx)
            doc.empty_element("string", {"value": str(v)})
        elif t is float:
            doc.empty_element("float", {"value": format_float(v)})
        elif v is None:
            doc.empty_element("null")
        elif t is NixPath:
            doc.empty_element("path", {"value": v.path})
        elif t is list:
            doc.open_element("list")
            for item in v:
                self.value(item)
            doc.close_element()
        elif isinstance(v, dict):
            self._attrs_value(v)
        elif isinstance(v, Lambda):
            self._function(v)
        else:  # primops, partial applications, unevaluated thunks
            doc.empty_element("unevaluated")

    def _string_attr(self, v: dict, name: str) -> str | None:
        if name not in v:
            return None
        a = self._resolve(v[name])
        if type(a) is str or type(a) is CStr:
            return str(a)
        return None

    def _attrs_value(self, v: dict) -> None:
        doc = self.doc
        if not is_derivation(v):
            doc.open_element("attrs")
            self._show_attrs(v)
            doc.close_element()
            return
        xml_attrs: dict[str, str] = {}
        drv_path = self._string_attr(v, "drvPath")
        if drv_path is not None:
            xml_attrs["drvPath"] = drv_path
        out_path = self._string_attr(v, "outPath")
        if out_path is not None:
            xml_attrs["outPath"] = out_path
        doc.open_element("derivation", xml_attrs)
        if drv_path and drv_path not in self.drvs_seen:
            self.drvs_seen.add(drv_path)
            self._show_attrs(v)
        else:
            doc.empty_element("repeated")
        doc.close_element()

    def _show_attrs(self, v: dict) -> None:
        positions = getattr(v, "pos", None) if self.location else None
        for name in sorted(v, key=_sort_key):
            xml_attrs = {"name": name}
            if positions:
                xml_attrs.update(_pos_attrs(positions.get(name)))
            self.doc.open_element("attr", xml_attrs)
            self.value(v[name])
            self.doc.close_element()

    def _function(self, f: Any) -> None:
        doc = self.doc
        arg, formals, ellipsis, pos = _lambda_info(f)
        doc.open_element("function", _pos_attrs(pos) if self.location else {})
        if formals is not None:
            pat: dict[str, str] = {}
            if arg:
                pat["name"] = arg
            if ellipsis:
                pat["ellipsis"] = "1"
            doc.open_element("attrspat", pat)
            for name in sorted(formals, key=_sort_key):
                doc.empty_element("attr", {"name": name})
            doc.close_element()
        else:
            doc.empty_element("varpat", {"name": arg or ""})
        doc.close_element()


def value_to_xml(v: Any, strict: bool, location: bool, ctx: set[str] | None = None) -> str:
    """The XML document for ``v`` (ends with a newline); string contexts go into ``ctx``."""
    printer = _Printer(strict, location, ctx if ctx is not None else set())
    printer.doc.open_element("expr")
    printer.value(v)
    return printer.doc.text()


@primop("__toXML")
def prim_to_xml(v: Any) -> Any:
    """``builtins.toXML``: strict, without locations; the result keeps the strings' contexts."""
    ctx: set[str] = set()
    return mkstr(value_to_xml(force(v), True, False, ctx), ctx)
