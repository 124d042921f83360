"""``builtins.parseFlakeRef`` and ``builtins.flakeRefToString`` (Nix 2.18): flake references
between their URL form and their attribute-set form, without fetching anything.

Covered input types: ``indirect`` (``nixpkgs``, ``flake:nixpkgs/23.05``), ``github``,
``gitlab``, ``sourcehut``, ``path`` (``path:/x``, ``/x``), ``git`` (``git+https:``,
``git+ssh:``, ``git+file:``…), ``tarball`` and ``file`` (``https://…/x.tar.gz``,
``tarball+https:``, ``file+https:``) and ``hg``. The query parameter ``dir`` is the flake's
subdirectory, kept as the ``dir`` attribute. Attribute values follow Nix's types: ``revCount``
and ``lastModified`` are integers, ``shallow``/``submodules``/… Booleans, the rest strings.

In current Nix both builtins exist only with the ``flakes`` experimental feature; pydock always
has them (they are pure string functions), which Nix's own language tests assume.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, unquote

from ..errors import NixError
from ..values import CStr, force, force_attrs, force_string_no_ctx, show_type
from .registry import primop

_FLAKE_ID = r"[a-zA-Z][a-zA-Z0-9_-]*"
_REF = r"[a-zA-Z0-9@][a-zA-Z0-9_.\/@+-]*"
_REV = r"[0-9a-fA-F]{40}"
_FLAKE_ID_REF = re.compile(rf"({_FLAKE_ID})(?:/(?:({_REV})|(?:({_REF})(?:/({_REV}))?)))?(?:#(.*))?")
_REV_RE = re.compile(_REV)
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):(.*)", re.S)
_ARCHIVE_SUFFIXES = (".zip", ".tar", ".tgz", ".tar.gz", ".tar.xz", ".tar.bz2", ".tar.zst")
_GIT_BOOLS = ("shallow", "submodules", "lfs", "exportIgnore", "verifyCommit", "allRefs")
_INTS = ("revCount", "lastModified")


class BadFlakeRef(NixError):
    """A flake reference Nix would reject (``BadURL`` and friends)."""


def _is_legal_ref(name: str) -> bool:
    """Git's ref-name rules, as far as Nix checks them."""
    if not re.fullmatch(_REF, name) or name.endswith((".", "/", ".lock")) or ".." in name or "@{" in name:
        return False
    return all(part and not part.startswith(".") for part in name.split("/"))


def _split_query(rest: str) -> tuple[str, dict[str, str], str]:
    """``path?query#fragment`` → (path, decoded query, fragment)."""
    rest, _, fragment = rest.partition("#")
    path, _, query_text = rest.partition("?")
    query: dict[str, str] = {}
    for item in query_text.split("&") if query_text else []:
        k, _, v = item.partition("=")
        query[unquote(k)] = unquote(v)
    return path, query, unquote(fragment)


def _segments(path: str) -> list[str]:
    return [unquote(s) for s in path.split("/") if s]


def _git_forge(scheme: str, url: str, path: str, query: dict[str, str]) -> dict[str, Any]:
    seg = _segments(path)
    attrs: dict[str, Any] = {}
    if len(seg) < 2:
        raise BadFlakeRef(f"URL '{url}' is invalid")
    if len(seg) == 3:
        attrs["rev" if _REV_RE.fullmatch(seg[2]) else "ref"] = seg[2]
    elif len(seg) > 3:
        attrs["ref"] = "/".join(seg[2:])
    for name, value in query.items():
        if name in ("rev", "ref"):
            if name in attrs:
                what = "commit hashes" if name == "rev" else "branch/tag names"
                raise BadFlakeRef(f"URL '{url}' contains multiple {what}")
            attrs[name] = value
        elif name in ("host", "narHash"):
            attrs[name] = value
        else:
            raise BadFlakeRef(f"URL '{url}' contains unknown parameter '{name}'")
    attrs.update(type=scheme, owner=seg[0], repo=seg[1])
    return attrs


def _indirect(url: str, seg: list[str]) -> dict[str, Any]:
    attrs: dict[str, Any] = {"type": "indirect"}
    if len(seg) == 2:
        if _REV_RE.fullmatch(seg[1]):
            attrs["rev"] = seg[1].lower()
        elif _is_legal_ref(seg[1]):
            attrs["ref"] = seg[1]
        else:
            raise BadFlakeRef(f"in flake URL '{url}', '{seg[1]}' is not a commit hash or branch/tag name")
    elif len(seg) == 3:
        if not _is_legal_ref(seg[1]):
            raise BadFlakeRef(f"in flake URL '{url}', '{seg[1]}' is not a branch/tag name")
        if not _REV_RE.fullmatch(seg[2]):
            raise BadFlakeRef(f"in flake URL '{url}', '{seg[2]}' is not a commit hash")
        attrs.update(ref=seg[1], rev=seg[2].lower())
    elif len(seg) != 1:
        raise BadFlakeRef(f"GitHub URL '{url}' is invalid")
    if not re.fullmatch(_FLAKE_ID, seg[0]):
        raise BadFlakeRef(f"'{seg[0]}' is not a valid flake ID")
    attrs["id"] = seg[0]
    return attrs


def _typed_params(url: str, query: dict[str, str], bools: tuple[str, ...], what: str) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    for name, value in query.items():
        if name in _INTS:
            if not value.isdigit():
                raise BadFlakeRef(f"{what} URL '{url}' has invalid parameter '{name}'")
            attrs[name] = int(value)
        elif name in bools:
            attrs[name] = value in ("1", "true")
        else:
            attrs[name] = value
    return attrs


def _from_url(scheme: str, url: str, rest: str, query: dict[str, str]) -> dict[str, Any] | None:
    """One URL-form input (query already without ``dir``), or None for "not a URL"."""
    path = rest.partition("?")[0].partition("#")[0]
    if scheme in ("github", "gitlab", "sourcehut"):
        return _git_forge(scheme, url, path, query)
    if scheme == "flake":
        return _indirect(url, _segments(path))
    if scheme == "path":
        if path.startswith("//"):
            host, _, path = path[2:].partition("/")
            if host:
                raise BadFlakeRef(f"path URL '{url}' should not have an authority ('{host}')")
            path = "/" + path
        for name in query:
            if name not in ("rev", "narHash", *_INTS):
                raise BadFlakeRef(f"path URL '{url}' has unsupported parameter '{name}'")
        return {"type": "path", "path": unquote(path), **_typed_params(url, query, (), "path")}
    transport = scheme.split("+", 1)[1] if "+" in scheme else scheme
    base = f"{transport}:{path}"
    if scheme.startswith("git+") or scheme == "git":
        params = {k: v for k, v in query.items() if k not in ("ref", "rev", *_GIT_BOOLS, *_INTS)}
        git_url = base + ("?" + _encode_query(params) if params else "")
        typed = _typed_params(url, {k: v for k, v in query.items() if k not in params}, _GIT_BOOLS, "Git")
        return {"type": "git", "url": git_url, **typed}
    if scheme.startswith("hg+"):
        return {"type": "hg", "url": base, **_typed_params(url, query, (), "Mercurial")}
    kind = None
    if scheme.startswith(("tarball+", "file+")):
        kind = scheme.split("+", 1)[0]
    elif scheme in ("http", "https", "file") and path.endswith(_ARCHIVE_SUFFIXES):
        kind = "tarball"
    if kind is not None:
        nix_params = {k: v for k, v in query.items() if k in ("narHash", "rev", *_INTS)}
        params = {k: v for k, v in query.items() if k not in nix_params}
        file_url = base + ("?" + _encode_query(params) if params else "")
        return {"type": kind, "url": file_url, **_typed_params(url, nix_params, (), kind)}
    return None


def parse_flake_ref(text: str) -> dict[str, Any]:
    """The attribute-set form of a flake reference (its input's attributes plus ``dir``)."""
    m = _FLAKE_ID_REF.fullmatch(text)
    if m:
        attrs = _indirect(text, [g for g in m.group(1, 2, 3, 4) if g])
        fragment = m.group(5) or ""
    else:
        attrs = None
        fragment = ""
        sm = _SCHEME.fullmatch(text)
        if sm:
            scheme, rest = sm.group(1), sm.group(2)
            _path, query, fragment = _split_query(rest)
            dir_ = query.pop("dir", "")
            attrs = _from_url(scheme, text, rest, query)
            if attrs is not None and dir_:
                attrs["dir"] = dir_
        if attrs is None:
            path, query, fragment = _split_query(text)
            if not path.startswith("/"):
                raise BadFlakeRef(f"flake reference '{text}' is not an absolute path")
            dir_ = query.pop("dir", "")
            attrs = _from_url("path", text, path, query)
            assert attrs is not None
            if dir_:
                attrs["dir"] = dir_
    if fragment:
        raise BadFlakeRef(f"unexpected fragment '{fragment}' in flake reference '{text}'")
    return attrs


# ------------------------------------------------------------------ attribute set → URL


def _encode_query(query: dict[str, str]) -> str:
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='/:@')}" for k, v in sorted(query.items()))


def _str_attr(attrs: dict[str, Any], name: str) -> str:
    v = attrs.get(name)
    if v is None:
        raise BadFlakeRef(f"input attribute '{name}' is missing")
    if not isinstance(v, str):
        raise BadFlakeRef(f"input attribute '{name}' is not a string")
    return v


def _query_value(v: Any) -> str:
    if isinstance(v, bool):
        return "1" if v else "0"
    return str(v)


def flake_ref_to_string(attrs: dict[str, Any]) -> str:
    attrs = dict(attrs)
    dir_ = attrs.pop("dir", None)
    kind = attrs.get("type")
    if not isinstance(kind, str):
        raise BadFlakeRef("input attribute 'type' is missing")
    query: dict[str, str] = {}
    if kind in ("github", "gitlab", "sourcehut"):
        if "ref" in attrs and "rev" in attrs:
            raise BadFlakeRef("a Git forge input cannot have both 'ref' and 'rev'")
        parts = [_str_attr(attrs, "owner"), _str_attr(attrs, "repo")]
        for name in ("ref", "rev"):
            if name in attrs:
                parts.append(_str_attr(attrs, name))
        for name in ("narHash", "host"):
            if name in attrs:
                query[name] = _str_attr(attrs, name)
        head = f"{kind}:" + "/".join(quote(p, safe="") if i < 2 else quote(p, safe="/") for i, p in enumerate(parts))
    elif kind == "indirect":
        parts = [_str_attr(attrs, "id")] + [_str_attr(attrs, n) for n in ("ref", "rev") if n in attrs]
        head = "flake:" + "/".join(parts)
    elif kind == "path":
        head = "path:" + quote(_str_attr(attrs, "path"), safe="/")
        query = {k: _query_value(v) for k, v in attrs.items() if k not in ("path", "type", "__final")}
    elif kind in ("git", "hg"):
        url = _str_attr(attrs, "url")
        head, _, url_query = url.partition("?")
        if kind == "git" and not head.startswith("git:"):
            head = "git+" + head
        elif kind == "hg":
            head = "hg+" + head
        query = _split_query("?" + url_query)[1] if url_query else {}
        for name in ("rev", "ref"):
            if name in attrs:
                query[name] = _str_attr(attrs, name)
        for name in _GIT_BOOLS:
            if attrs.get(name) is True:
                query[name] = "1"
    elif kind in ("tarball", "file"):
        head, _, url_query = _str_attr(attrs, "url").partition("?")
        query = _split_query("?" + url_query)[1] if url_query else {}
        if "narHash" in attrs:
            query["narHash"] = _str_attr(attrs, "narHash")
    else:
        raise BadFlakeRef(f"input type '{kind}' is not supported by pydock")
    if dir_:
        query["dir"] = _query_value(dir_)
    return head + ("?" + _encode_query(query) if query else "")


@primop("__parseFlakeRef")
def prim_parse_flake_ref(ref: Any) -> Any:
    return parse_flake_ref(str(force_string_no_ctx(ref)))


@primop("__flakeRefToString")
def prim_flake_ref_to_string(attrs: Any) -> Any:
    values: dict[str, Any] = {}
    for name, v in force_attrs(attrs).items():
        x = force(v)
        t = type(x)
        if t is int:
            if x < 0:
                raise NixError(f"negative value given for flake ref attr {name}: {x}")
        elif t is not bool and t is not str and t is not CStr:
            raise NixError(
                "flake reference attribute sets may only contain integers, Booleans, "
                f"and strings, but attribute '{name}' is {show_type(x)}"
            )
        values[name] = str(x) if t is CStr else x
    return flake_ref_to_string(values)
