"""Attribute-set builtins (``attrNames``, ``mapAttrs``, ``removeAttrs``, …)."""

from __future__ import annotations

from ..errors import NO_POS, NixError
from ..values import (
    Attrs,
    CStr,
    Thunk,
    call2_packed,
    force,
    force_attrs,
    force_function,
    force_list,
    force_string,
    force_string_no_ctx,
    set_position,
)
from .registry import primop

_new_object = object.__new__


def _name(v) -> str:
    s = force_string(v)
    return str(s) if type(s) is CStr else s


@primop("__attrNames", forces_arg=True)
def attrNames(s):
    return sorted(force_attrs(s))


@primop("__attrValues", forces_arg=True)
def attrValues(s):
    s = force_attrs(s)
    return [s[k] for k in sorted(s)]


@primop("__getAttr")
def getAttr(name, s):
    name = _name(name)
    s = force_attrs(s)
    if name not in s:
        raise NixError(f"attribute '{name}' missing for call to 'getAttr'", set_position(s))
    return force(s[name])


@primop("__unsafeGetAttrPos")
def unsafeGetAttrPos(name, s):
    name = _name(name)
    s = force_attrs(s)
    positions = getattr(s, "pos", None)
    if not positions or name not in s:
        return None
    p = positions.get(name)
    if p is None:
        return None
    return {"file": p.file_value(), "line": p.line, "column": p.col}


@primop("__hasAttr")
def hasAttr(name, s):
    return _name(name) in force_attrs(s)


@primop("removeAttrs")
def removeAttrs(s, names):
    s = force_attrs(s)
    drop = {str(force_string_no_ctx(n)) for n in force_list(names)}
    out = Attrs((k, v) for k, v in s.items() if k not in drop)
    out.pos = getattr(s, "pos", None)
    return out


@primop("__intersectAttrs")
def intersectAttrs(a, b):
    a = force_attrs(a)
    b = force_attrs(b)
    out = Attrs((k, v) for k, v in b.items() if k in a)
    out.pos = getattr(b, "pos", None)
    return out


@primop("__catAttrs")
def catAttrs(name, xs):
    name = _name(name)
    out = []
    for x in force_list(xs):
        x = force_attrs(x)
        if name in x:
            out.append(x[name])
    return out


@primop("__mapAttrs")
def mapAttrs(f, s):
    s = force_attrs(s)
    f = force(f)
    out = Attrs()
    new = _new_object
    for k, v in s.items():  # the thunks of `f k v` (``lazy_apply`` spelled out, one loop)
        t = new(Thunk)
        t.code = call2_packed
        t.env = (f, k, v)
        t.val = None
        out[k] = t
    out.pos = getattr(s, "pos", None)
    return out


@primop("__zipAttrsWith")
def zipAttrsWith(f, xs):
    f = force_function(f)
    seen: dict[str, list] = {}
    for x in xs if type(xs) is list else force_list(xs):
        if isinstance(x, dict):  # a set already: no call
            attrs = x
        else:
            try:
                attrs = force_attrs(x)
            except NixError as e:  # Nix 2.8 forces the elements without a position
                if e.pos is None:
                    e.pos = NO_POS
                raise
        if not seen:  # the first set: one list per name, without a lookup each
            for k, v in attrs.items():
                seen[k] = [v]
            continue
        for k, v in attrs.items():
            vs = seen.get(k)
            if vs is None:
                seen[k] = [v]
            else:
                vs.append(v)
    # the thunks of `f name values` made in place (``lazy_apply`` spelled out: this runs
    # once per name of every set that ``recursiveUpdate`` merges)
    out = {}
    new = _new_object
    for k in sorted(seen):
        t = new(Thunk)
        t.code = call2_packed
        t.env = (f, k, seen[k])
        t.val = None
        out[k] = t
    return out
