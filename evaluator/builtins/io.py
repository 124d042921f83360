"""Builtins that read files or the search path: import, readFile, readDir, …"""

from __future__ import annotations

import os
import stat

from ..errors import NO_POS, NixError
from ..ops import canon_path, coerce_to_string
from ..values import CStr, NixPath, force, force_attrs, force_list, force_string_no_ctx, mkstr
from .registry import primop


def coerce_to_path(v) -> str:
    """A path value or an absolute-path string, as Nix's ``coerceToPath``."""
    ctx: set[str] = set()
    p = coerce_to_string(v, ctx, False, False)
    if not p or not p.startswith("/"):
        raise NixError(f"string '{p}' doesn't represent an absolute path")
    return p


def realise_path(st, v) -> str:
    """A path to read in ``st``'s evaluation: store paths map to where its store keeps them
    (its root may not be ``/``); a store path the store does not have is "not valid", as in Nix."""
    p = canon_path(coerce_to_path(v))
    st.check_read(p, in_builtin=True)
    store = st.store
    sd = store.store_dir
    if sd.is_in_store(p):
        sp = sd.to_store_path(p)
        if not store.is_valid(sp):
            raise NixError(f"path '{sp}' is not valid")
        return store.real_path(sp) + p[len(sp) :]
    return p


@primop("import", needs_state=True)
def import_(st, path):
    return st.eval_file(realise_path(st, path))


@primop("scopedImport", needs_state=True)
def scopedImport(st, scope, path):
    scope = force_attrs(scope)
    p = st.resolve_import_path(realise_path(st, path))
    source = st.read_source(p)
    return st.eval_source(source, os.path.dirname(p), dict(scope))


@primop("__readFile", needs_state=True)
def readFile(st, path):
    p = realise_path(st, path)
    try:
        with open(p, "rb") as f:
            data = f.read()
    except FileNotFoundError:  # system errors: Nix 2.8 reports them without a position
        raise NixError(f"opening file '{p}': No such file or directory", NO_POS) from None
    except IsADirectoryError:
        raise NixError("reading from file: Is a directory", NO_POS) from None
    except OSError as e:
        raise NixError(f"opening file '{p}': {e.strerror}", NO_POS) from None
    if b"\0" in data:
        raise NixError(f"the contents of the file '{p}' cannot be represented as a Nix string", NO_POS)
    return data.decode("utf-8", "surrogateescape")


@primop("__readDir", needs_state=True)
def readDir(st, path):
    p = realise_path(st, path)
    try:
        names = os.listdir(p)
    except FileNotFoundError:  # system errors: Nix 2.8 reports them without a position
        raise NixError(f"opening directory '{p}': No such file or directory", NO_POS) from None
    except NotADirectoryError:
        raise NixError(f"opening directory '{p}': Not a directory", NO_POS) from None
    out = {}
    for name in sorted(names):
        out[name] = _file_type(os.lstat(os.path.join(p, name)).st_mode)
    return out


def _file_type(mode: int) -> str:
    if stat.S_ISREG(mode):
        return "regular"
    if stat.S_ISDIR(mode):
        return "directory"
    if stat.S_ISLNK(mode):
        return "symlink"
    return "unknown"


@primop("__readFileType", needs_state=True)
def readFileType(st, path):
    """The type of the entry itself (Nix 2.14): a symlink is reported, not followed."""
    p = realise_path(st, path)
    try:
        return _file_type(os.lstat(p).st_mode)
    except FileNotFoundError:
        raise NixError(f"getting status of '{p}': No such file or directory") from None
    except OSError as e:
        raise NixError(f"getting status of '{p}': {e.strerror}") from None


@primop("__pathExists", needs_state=True)
def pathExists(st, path):
    # no canonicalisation: "file/" and "file/." do not exist, as in Nix
    p = coerce_to_path(path)
    if st.settings.pure_eval:  # pure mode: unreadable paths do not exist
        try:
            st.check_read(canon_path(p))
        except NixError:
            return False
    return os.path.lexists(p)


@primop("__toPath")
def toPath(s):
    ctx: set[str] = set()
    p = coerce_to_string(s, ctx, False, False)
    if not p.startswith("/"):
        raise NixError(f"string '{p}' doesn't represent an absolute path")
    return mkstr(canon_path(p), ctx)


@primop("__findFile", needs_state=True)
def findFile(st, search_path, name):
    entries = []
    for item in force_list(search_path):
        item = force_attrs(item)
        prefix = force_string_no_ctx(item["prefix"]) if "prefix" in item else ""
        if "path" not in item:
            raise NixError("attribute 'path' missing")
        path = coerce_to_string(item["path"], set(), False, False)
        entries.append((str(prefix), path))
    n = force_string_no_ctx(name)
    return NixPath(st.find_file(entries, str(n)))


__all__ = ["CStr", "coerce_to_path", "force", "realise_path"]
