"""String builtins and string-context builtins.

Nix strings are byte strings: ``stringLength "é"`` is 2 and ``substring`` counts
bytes. pydock keeps strings as Python ``str`` and switches to UTF-8 bytes only
for non-ASCII text, so the common case stays fast.
"""

from __future__ import annotations

from typing import Any

from ..errors import NixError
from ..ops import coerce_to_string, decode, encode
from ..values import (
    CStr,
    NixPath,
    ctx_of,
    force,
    force_attrs,
    force_bool,
    force_int,
    force_list,
    force_string,
    mkstr,
)
from .registry import primop


@primop("__stringLength", needs_state=True, forces_arg=True)
def stringLength(st, s):
    text = coerce_to_string(s, set(), False, st)
    return len(text) if text.isascii() else len(encode(text))


@primop("__substring", needs_state=True)
def substring(st, start, length, s):
    start = _c_int(force_int(start))
    length = _c_int(force_int(length))
    ctx: set[str] = set()
    text = coerce_to_string(s, ctx, False, st)
    if start < 0:
        raise NixError("negative start position in 'substring'")
    if text.isascii():
        n = len(text)
        if start >= n:
            return mkstr("", ctx)
        end = n if length < 0 else min(n, start + length)
        return mkstr(text[start:end], ctx)
    b = encode(text)
    if start >= len(b):
        return mkstr("", ctx)
    end = len(b) if length < 0 else min(len(b), start + length)
    return mkstr(decode(b[start:end]), ctx)


def _c_int(n: int) -> int:
    """Nix passes these through a C ``int``: keep the low 32 bits, signed."""
    n &= 0xFFFFFFFF
    return n - (1 << 32) if n >= (1 << 31) else n


@primop("__concatStringsSep", needs_state=True)
def concatStringsSep(st, sep, xs):
    sep = force_string(sep)
    ctx: set[str] = set(ctx_of(sep))
    parts = [coerce_to_string(x, ctx, False, st) for x in force_list(xs)]
    return mkstr(str(sep).join(parts), ctx)


@primop("__replaceStrings")
def replaceStrings(from_, to, s):
    from_ = force_list(from_)
    to = force_list(to)
    if len(from_) != len(to):
        raise NixError("'from' and 'to' arguments to 'replaceStrings' have different lengths")
    pats = [str(force_string(x)) for x in from_]
    # a replacement is evaluated only when its pattern matches (Nix 2.16), then reused
    reps: list[Any] = [None] * len(to)
    subject = force_string(s)
    ctx: set[str] = set(ctx_of(subject))
    text = str(subject)
    out = []
    used = [False] * len(reps)
    p = 0
    n = len(text)
    while p <= n:
        for i, pat in enumerate(pats):
            if text.startswith(pat, p):
                if not used[i]:
                    reps[i] = force_string(to[i])
                    ctx.update(ctx_of(reps[i]))
                    used[i] = True
                out.append(str(reps[i]))
                if pat:
                    p += len(pat)
                else:
                    if p < n:
                        out.append(text[p])
                    p += 1
                break
        else:
            if p < n:
                out.append(text[p])
            p += 1
    return mkstr("".join(out), ctx)


@primop("baseNameOf")
def baseNameOf(s):
    ctx: set[str] = set()
    text = coerce_to_string(s, ctx, False, False)
    if text.endswith("/"):
        text = text[:-1]
    i = text.rfind("/")
    return mkstr(text[i + 1 :] if i >= 0 else text, ctx)


@primop("dirOf")
def dirOf(s):
    v = force(s)
    ctx: set[str] = set()
    text = coerce_to_string(v, ctx, False, False)
    i = text.rfind("/")
    if i == -1:
        d = "."
    elif i == 0:
        d = "/"
    else:
        d = text[:i]
    if type(v) is NixPath:
        return NixPath(d)
    return mkstr(d, ctx)


# ------------------------------------------------------------------ string context


@primop("__unsafeDiscardStringContext", needs_state=True)
def unsafeDiscardStringContext(st, s):
    return str(coerce_to_string(s, set(), False, st))


@primop("__hasContext")
def hasContext(s):
    return bool(ctx_of(force_string(s)))


@primop("__unsafeDiscardOutputDependency", needs_state=True)
def unsafeDiscardOutputDependency(st, s):
    ctx: set[str] = set()
    text = coerce_to_string(s, ctx, False, st)
    return mkstr(text, {c[1:] if c.startswith("=") else c for c in ctx})


@primop("__addDrvOutputDependencies", needs_state=True)
def addDrvOutputDependencies(st, s):
    """The inverse of ``unsafeDiscardOutputDependency`` (Nix 2.17): a string whose one context
    element is a ``.drv`` path comes to depend on all of that derivation's outputs."""
    ctx: set[str] = set()
    text = coerce_to_string(s, ctx, False, st)
    if len(ctx) != 1:
        raise NixError(f"context of string '{text}' must have exactly one element, but has {len(ctx)}")
    (c,) = ctx
    if c.startswith("!"):
        output = c.split("!", 2)[1]
        raise NixError(
            f"`addDrvOutputDependencies` can only act on derivations, not on a derivation output such as '{output}'"
        )
    if not c.startswith("="):
        if not c.endswith(".drv"):
            raise NixError(f"path '{c}' is not a derivation")
        c = "=" + c
    return mkstr(text, {c})


@primop("__getContext")
def getContext(s):
    infos: dict[str, dict] = {}
    for c in sorted(ctx_of(force_string(s))):
        if c.startswith("="):
            infos.setdefault(c[1:], {})["allOutputs"] = True
        elif c.startswith("!"):
            _, out, drv = c.split("!", 2)
            infos.setdefault(drv, {}).setdefault("outputs", []).append(out)
        else:
            infos.setdefault(c, {})["path"] = True
    return {k: infos[k] for k in sorted(infos)}


@primop("__appendContext", needs_state=True)
def appendContext(st, s, ctx_attrs):
    subject = force_string(s)
    ctx = set(ctx_of(subject))
    store_dir = st.store_dir
    for path, info in force_attrs(ctx_attrs).items():
        if not path.startswith(store_dir + "/"):
            raise NixError(f"Context key '{path}' is not a store path")
        info = force_attrs(info)
        if "path" in info and force_bool(info["path"]):
            ctx.add(path)
        if "allOutputs" in info and force_bool(info["allOutputs"]):
            if not path.endswith(".drv"):
                raise NixError(
                    f"Tried to add all-outputs context of {path}, which is not a derivation, to a string"
                )
            ctx.add("=" + path)
        if "outputs" in info:
            outs = force_list(info["outputs"])
            if outs and not path.endswith(".drv"):
                raise NixError(
                    f"Tried to add derivation output context of {path}, which is not a derivation, to a string"
                )
            for o in outs:
                ctx.add(f"!{force_string(o)}!{path}")
    return mkstr(str(subject), ctx)


__all__ = ["CStr"]
