"""The Nix abstract syntax tree, as the parser builds it and the compiler reads it.

Nodes are plain slotted classes: the compiler walks them once to resolve scopes
and turn them into closures, so they carry no evaluation logic. Operators that
Nix itself desugars into builtin calls (``-``, ``*``, ``/``, ``<`` …) are kept as
``BinOp`` here so the compiler can emit fast code for them.
"""

from __future__ import annotations

from typing import Any

from .errors import Pos


class Node:
    """Base of all nodes: ``pos`` is Nix's position for the node (used in errors),
    ``start`` where its source text begins (the parser needs it for parents)."""

    __slots__ = ("pos", "start")
    pos: Pos | None
    start: Pos | None


class Int(Node):
    __slots__ = ("value",)

    def __init__(self, value: int, pos: Pos | None = None) -> None:
        self.value = value
        self.pos = pos


class Float(Node):
    __slots__ = ("value",)

    def __init__(self, value: float, pos: Pos | None = None) -> None:
        self.value = value
        self.pos = pos


class Str(Node):
    __slots__ = ("value",)

    def __init__(self, value: str, pos: Pos | None = None) -> None:
        self.value = value
        self.pos = pos


class Path(Node):
    """A path literal, already made absolute against the file's directory."""

    __slots__ = ("value",)

    def __init__(self, value: str, pos: Pos | None = None) -> None:
        self.value = value
        self.pos = pos


class Var(Node):
    __slots__ = ("name",)

    def __init__(self, name: str, pos: Pos | None = None) -> None:
        self.name = name
        self.pos = pos


class CurPos(Node):
    """``__curPos``: a set describing its own position."""

    __slots__ = ()

    def __init__(self, pos: Pos) -> None:
        self.pos = pos


# An attribute name in a path: a ``str`` when static, an expression when dynamic.
AttrName = Any


class Select(Node):
    __slots__ = ("expr", "path", "default")

    def __init__(self, expr: Node, path: list[AttrName], default: Node | None, pos: Pos | None) -> None:
        self.expr = expr
        self.path = path
        self.default = default
        self.pos = pos


class HasAttr(Node):
    __slots__ = ("expr", "path")

    def __init__(self, expr: Node, path: list[AttrName], pos: Pos | None) -> None:
        self.expr = expr
        self.path = path
        self.pos = pos


class AttrDef:
    """One static attribute: its value expression and where it was defined.

    ``inherited`` marks ``inherit x;`` (the value is looked up in the enclosing
    scope even inside ``rec``).
    """

    __slots__ = ("expr", "pos", "inherited", "name_pos")

    def __init__(self, expr: Node, pos: Pos | None, inherited: bool = False, name_pos: Pos | None = None) -> None:
        self.expr = expr
        self.pos = pos
        self.inherited = inherited
        # what ``unsafeGetAttrPos`` reports: for ``inherit`` current Nix gives the name's own
        # position, while errors keep ``pos`` (Nix 2.8's position, just after the keyword)
        self.name_pos = name_pos if name_pos is not None else pos


class InheritFrom(Node):
    """The source of ``inherit (expr) a b;``, shared by the clause's selects.

    Current Nix evaluates ``expr`` once per instantiation of the enclosing set or
    ``let`` (not once per inherited name); the compiler binds it to a hidden slot
    named ``key`` of that scope.
    """

    __slots__ = ("expr", "key")

    def __init__(self, expr: Node, pos: Pos | None = None) -> None:
        self.expr = expr
        self.pos = pos
        self.key = ""


class DynamicAttrDef:
    __slots__ = ("name", "expr", "pos")

    def __init__(self, name: Node, expr: Node, pos: Pos | None) -> None:
        self.name = name
        self.expr = expr
        self.pos = pos


class Attrs(Node):
    __slots__ = ("recursive", "attrs", "dynamic", "brace", "unplaced")

    def __init__(self, pos: Pos | None = None) -> None:
        self.brace: Pos | None = None  # the opening `{` of a set literal: the set's own position in Nix
        # Inherited Var/Select nodes of the first bindings, placed once the opening token is known.
        self.unplaced: list[Node] = []
        self.recursive = False
        self.attrs: dict[str, AttrDef] = {}
        self.dynamic: list[DynamicAttrDef] = []
        self.pos = pos


class List(Node):
    __slots__ = ("items",)

    def __init__(self, items: list[Node], pos: Pos | None = None) -> None:
        self.items = items
        self.pos = pos


class Formal:
    __slots__ = ("name", "default", "pos")

    def __init__(self, name: str, default: Node | None, pos: Pos | None) -> None:
        self.name = name
        self.default = default
        self.pos = pos


class Lambda(Node):
    """``arg: body`` or ``{ formals }@arg: body``; ``formals`` is None for the first."""

    __slots__ = ("arg", "formals", "ellipsis", "body", "name")

    def __init__(
        self,
        arg: str | None,
        formals: list[Formal] | None,
        ellipsis: bool,
        body: Node,
        pos: Pos | None,
    ) -> None:
        self.arg = arg
        self.formals = formals
        self.ellipsis = ellipsis
        self.body = body
        self.pos = pos
        self.name: str | None = None  # set when bound to an attribute (for traces)


class Call(Node):
    __slots__ = ("fn", "args")

    def __init__(self, fn: Node, args: list[Node], pos: Pos | None) -> None:
        self.fn = fn
        self.args = args
        self.pos = pos


class Let(Node):
    __slots__ = ("attrs", "body")

    def __init__(self, attrs: Attrs, body: Node, pos: Pos | None = None) -> None:
        self.attrs = attrs
        self.body = body
        self.pos = pos


class With(Node):
    __slots__ = ("env", "body")

    def __init__(self, env: Node, body: Node, pos: Pos | None) -> None:
        self.env = env
        self.body = body
        self.pos = pos


class If(Node):
    __slots__ = ("cond", "then", "else_")

    def __init__(self, cond: Node, then: Node, else_: Node, pos: Pos | None) -> None:
        self.cond = cond
        self.then = then
        self.else_ = else_
        self.pos = pos


class Assert(Node):
    __slots__ = ("cond", "body", "text")

    def __init__(self, cond: Node, body: Node, pos: Pos | None, text: str) -> None:
        self.cond = cond
        self.body = body
        self.pos = pos
        self.text = text  # the condition as Nix prints it in "assertion '…' failed"


class Not(Node):
    __slots__ = ("expr",)

    def __init__(self, expr: Node, pos: Pos | None) -> None:
        self.expr = expr
        self.pos = pos


class BinOp(Node):
    """A binary operator: ``op`` is one of ``== != && || -> // ++ - * / < > <= >=``."""

    __slots__ = ("op", "left", "right")

    def __init__(self, op: str, left: Node, right: Node, pos: Pos | None) -> None:
        self.op = op
        self.left = left
        self.right = right
        self.pos = pos


class ConcatStrings(Node):
    """``a + b`` (``force_string`` False) or an interpolated string (True)."""

    __slots__ = ("force_string", "parts")

    def __init__(self, force_string: bool, parts: list[tuple[Pos | None, Node]], pos: Pos | None) -> None:
        self.force_string = force_string
        self.parts = parts
        self.pos = pos
