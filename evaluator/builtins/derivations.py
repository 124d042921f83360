"""Builtins that create store objects: ``derivationStrict``, ``toFile``, ``path``, …

They compute exactly the store paths Nix computes (``store/`` does the hashing)
and hand the objects to the session's store: a ``ComputeOnlyStore`` for
``pydock eval`` (read-only, like ``nix-instantiate --eval``) or a real
``LocalStore`` when building. ``derivation`` itself is a small Nix function
(``DERIVATION_NIX``) on top of ``derivationStrict``, as in Nix.
"""

from __future__ import annotations

import os
import stat
from typing import Any

from pydock.store.derivation import Derivation, DerivationOutput, hash_placeholder
from pydock.store.errors import StoreError
from pydock.store.hashes import BadHash, Hash, parse_hash_type_opt
from pydock.store.paths import BadStorePath, FileIngestionMethod
from pydock.store.protocol import Store

from ..errors import NO_POS, NixError, experimental_feature_disabled
from ..ops import coerce_to_string
from ..purity import store_path_refused
from ..values import (
    CStr,
    NixPath,
    call_function,
    force,
    force_attrs,
    force_bool,
    force_list,
    force_string,
    force_string_no_ctx,
    mkstr,
    show_type,
)
from ..warnings import warn
from .io import coerce_to_path
from .registry import primop

# `derivation` wraps `derivationStrict`: one set per output, sharing drvPath, with
# `all`, `drvAttrs`, `outputName` and `type = "derivation"` (Nix's semantics).
DERIVATION_NIX = """
attrs @ { outputs ? [ "out" ], ... }:
let
  strict = derivationStrict attrs;
  outputSet = name: {
    inherit name;
    value = shared // {
      outPath = builtins.getAttr name strict;
      drvPath = strict.drvPath;
      type = "derivation";
      outputName = name;
    };
  };
  perOutput = map outputSet outputs;
  shared = attrs // builtins.listToAttrs perOutput // {
    all = map (o: o.value) perOutput;
    drvAttrs = attrs;
  };
in (builtins.head perOutput).value
"""


def _add_context_inputs(st: Store, drv: Derivation, ctx: set[str]) -> None:
    """Turn the string context of the attributes into the derivation's inputs (read from store ``st``)."""
    for c in ctx:
        if c.startswith("="):
            for p in st.query_closure([c[1:]]):
                drv.input_srcs.add(p)
                if p.endswith(".drv"):
                    drv.input_drvs[p] = set(st.read_derivation(p).outputs)
        elif c.startswith("!"):
            _, out, drv_path = c.split("!", 2)
            drv.input_drvs.setdefault(drv_path, set()).add(out)
        else:
            drv.input_srcs.add(c)


@primop("derivationStrict", needs_state=True)
def derivationStrict(state, args):
    attrs = force_attrs(args)
    if "name" not in attrs:
        raise NixError("attribute 'name' missing for call to 'derivationStrict'")
    positions = getattr(attrs, "pos", None) or {}
    try:
        return _derivation_strict(state, attrs)
    except BadStorePath as e:
        err = NixError(str(e), NO_POS)
        err.trace_hint = True
        raise err from None
    except NixError as e:
        if e.pos is None:  # Nix reports derivation errors at the `name` attribute
            e.pos = positions.get("name")
        raise


def _derivation_strict(state: Any, attrs: dict) -> dict:
    drv_name = str(force_string_no_ctx(attrs["name"]))
    structured = "__structuredAttrs" in attrs and force_bool(attrs["__structuredAttrs"])
    ignore_nulls = "__ignoreNulls" in attrs and force_bool(attrs["__ignoreNulls"])
    drv = Derivation(name=drv_name)
    ctx: set[str] = set()
    output_hash: str | None = None
    output_hash_algo = ""
    method: FileIngestionMethod | None = None
    outputs = ["out"]
    json_attrs: dict[str, str] = {}

    def set_outputs(names: list[str]) -> list[str]:
        seen: list[str] = []
        for n in names:
            if n in seen:
                raise NixError(f"duplicate derivation output '{n}'")
            if n in ("drv", "drvPath"):  # "drvPath" would clash with the result's own (current Nix)
                raise NixError(f"invalid derivation output name '{n}'")
            seen.append(n)
        if not seen:
            raise NixError("derivation cannot have an empty set of outputs")
        return seen

    def hash_mode(s: str) -> FileIngestionMethod:
        if s == "recursive":
            return FileIngestionMethod.RECURSIVE
        if s == "flat":
            return FileIngestionMethod.FLAT
        raise NixError(f"invalid value '{s}' for 'outputHashMode' attribute")

    for key in sorted(attrs):
        if key == "__ignoreNulls":
            continue
        try:
            value = attrs[key]
            if ignore_nulls and force(value) is None:
                continue
            if key == "__contentAddressed" and force_bool(value):
                raise experimental_feature_disabled("ca-derivations")
            if key == "__impure" and force_bool(value):
                raise experimental_feature_disabled("impure-derivations")
            if key == "args":
                for item in force_list(value):
                    drv.args.append(coerce_to_string(item, ctx, True, state))
                continue
            if structured:
                if key == "__structuredAttrs":
                    continue
                from .json import value_to_json

                json_attrs[key] = value_to_json(value, ctx, strict=True, copy_to_store=state)
                if key == "builder":
                    drv.builder = _str_with_ctx(value, ctx)
                elif key == "system":
                    drv.platform = str(force_string_no_ctx(value))
                elif key == "outputHash":
                    output_hash = str(force_string_no_ctx(value))
                elif key == "outputHashAlgo":
                    output_hash_algo = str(force_string_no_ctx(value))
                elif key == "outputHashMode":
                    method = hash_mode(str(force_string_no_ctx(value)))
                elif key == "outputs":
                    outputs = set_outputs([str(force_string_no_ctx(x)) for x in force_list(value)])
                continue
            s = coerce_to_string(value, ctx, True, state)
            drv.env[key] = s
            if key == "builder":
                drv.builder = s
            elif key == "system":
                drv.platform = s
            elif key == "outputHash":
                output_hash = s
            elif key == "outputHashAlgo":
                output_hash_algo = s
            elif key == "outputHashMode":
                method = hash_mode(s)
            elif key == "outputs":
                outputs = set_outputs(s.split())
        except NixError as e:
            e.add_trace(None, f"while evaluating the attribute '{key}' of the derivation '{drv_name}'")
            raise
    if structured:
        import json as _json

        drv.env["__json"] = "{" + ",".join(f"{_json.dumps(k)}:{v}" for k, v in sorted(json_attrs.items())) + "}"
    st = state.store
    _add_context_inputs(st, drv, ctx)
    if not drv.builder:
        raise NixError("required attribute 'builder' missing")
    if not drv.platform:
        raise NixError("required attribute 'system' missing")
    if drv_name.endswith(".drv"):
        raise NixError("derivation names are not allowed to end in '.drv'")
    if output_hash is not None:
        if outputs != ["out"]:
            raise NixError("multiple outputs are not supported in fixed-output derivations")
        h = parse_hash_allow_empty(output_hash, parse_hash_type_opt(output_hash_algo))
        drv.outputs = {"out": DerivationOutput.fixed(method or FileIngestionMethod.FLAT, h)}
    else:
        drv.outputs = {o: DerivationOutput() for o in outputs}
    index = state.package_index
    try:
        drv_path = st.add_derivation(drv, describe=index.describe if index is not None else None)
    except StoreError as e:  # an input that is not valid and could not be substituted
        err = NixError(str(e))
        err.add_trace(None, f"while writing the derivation '{drv_name}'")
        raise err from None
    result: dict[str, Any] = {"drvPath": CStr(drv_path, frozenset({"=" + drv_path}))}
    for o, out in sorted(drv.outputs.items()):
        result[o] = CStr(out.path or drv.env.get(o, ""), frozenset({f"!{o}!{drv_path}"}))
    return result


def parse_hash_allow_empty(text: str, algo: str | None) -> Hash:
    """Nix's ``newHashAllowEmpty``: an empty hash is all zeros, with Nix's warning."""
    try:
        h = Hash.parse_allow_empty(text, algo)
    except BadHash as e:
        raise NixError(str(e)) from None
    if text == "":
        warn(f"found empty hash, assuming '{h.sri}'")
    return h


def _str_with_ctx(value: Any, ctx: set[str]) -> str:
    s = force_string(value)
    if type(s) is CStr:
        ctx.update(s.ctx)
    return str(s)


@primop("placeholder")
def placeholder(name):
    return hash_placeholder(str(force_string_no_ctx(name)))


@primop("__toFile", needs_state=True)
def toFile(state, name, contents):
    name = str(force_string_no_ctx(name))
    s = force_string(contents)
    refs = set()
    for c in (s.ctx if type(s) is CStr else ()):
        if not c.startswith("/"):
            raise NixError(
                f"in 'toFile': the file named '{name}' must not contain a reference to a derivation but contains ({c})"
            )
        refs.add(c)
    try:
        path = state.store.add_text(name, str(s), refs)
    except BadStorePath as e:
        raise NixError(str(e)) from None
    return CStr(path, frozenset({path}))


def copy_path_to_store(st: Any, path: str) -> CStr:
    """``"${./file}"``: import a source into ``st``'s store once per session (recursive sha256)."""
    cached = st.src_to_store.get(path)
    if cached is not None:
        return cached
    if path.endswith(".drv"):
        raise NixError("file names are not allowed to end in '.drv'")
    name = os.path.basename(path)
    st.check_read(path)
    if not os.path.lexists(path):
        raise NixError(f"getting status of '{path}': No such file or directory")
    try:
        dst = st.store.add_path(path, name)
    except BadStorePath as e:
        raise NixError(str(e)) from None
    result = CStr(dst, frozenset({dst}))
    st.src_to_store[path] = result
    return result


def _make_filter(fn: Any):
    def keep(p: str) -> bool:
        st_ = os.lstat(p)
        mode = st_.st_mode
        kind = (
            "regular"
            if stat.S_ISREG(mode)
            else "directory"
            if stat.S_ISDIR(mode)
            else "symlink"
            if stat.S_ISLNK(mode)
            else "unknown"
        )
        return force_bool(call_function(force(call_function(fn, p)), kind))

    return keep


def _memoised(keep):
    """Call the user's filter once per path, however often the store walks the tree."""
    seen: dict[str, bool] = {}

    def once(p: str) -> bool:
        r = seen.get(p)
        if r is None:
            r = seen[p] = keep(p)
        return r

    return once


def _add_path(
    state: Any, name: str, path: str, filter_fn: Any, method: FileIngestionMethod, expected: Hash | None
) -> str:
    st = state.store
    flt = _memoised(_make_filter(filter_fn)) if filter_fn is not None else None
    state.check_read(path, in_builtin=True)
    if not os.path.lexists(path):
        raise NixError(f"getting status of '{path}': No such file or directory")
    if method is FileIngestionMethod.FLAT and os.path.isdir(path):
        raise NixError("reading from file: Is a directory")
    try:
        dst = st.add_path(path, name, method, "sha256", flt)
    except BadStorePath as e:
        raise NixError(str(e)) from None
    except IsADirectoryError:
        raise NixError("reading from file: Is a directory") from None
    if expected is not None:
        want = st.store_dir.make_fixed_output_path(method, expected, name)
        if want != dst:
            raise NixError(f"store path mismatch in (possibly filtered) path added from '{path}'")
    return CStr(dst, frozenset({dst}))


@primop("__filterSource", needs_state=True)
def filterSource(state, fn, path):
    p = coerce_to_path(path)
    f = force(fn)
    if show_type(f) not in ("a function",) and not hasattr(f, "call"):
        raise NixError(f"first argument in call to 'filterSource' is not a function but {show_type(f)}")
    return _add_path(state, os.path.basename(p.rstrip("/")), p, f, FileIngestionMethod.RECURSIVE, None)


@primop("__path", needs_state=True)
def path_(state, args):
    args = force_attrs(args)
    path = ""
    name = ""
    filter_fn = None
    method = FileIngestionMethod.RECURSIVE
    expected = None
    for k in sorted(args):
        v = args[k]
        if k == "path":
            path = coerce_to_path(v)
        elif k == "name":
            name = str(force_string_no_ctx(v))
        elif k == "filter":
            filter_fn = force(v)
        elif k == "recursive":
            method = FileIngestionMethod.RECURSIVE if force_bool(v) else FileIngestionMethod.FLAT
        elif k == "sha256":
            expected = parse_hash_allow_empty(str(force_string_no_ctx(v)), "sha256")
        else:
            raise NixError(f"unsupported argument '{k}' to 'addPath'")
    if not path:
        raise NixError("'path' required")
    if not name:
        name = os.path.basename(path.rstrip("/"))
    return _add_path(state, name, path, filter_fn, method, expected)


@primop("__storePath", needs_state=True)
def storePath(state, p):
    if state.settings.pure_eval:
        raise store_path_refused()
    ctx: set[str] = set()
    path = coerce_to_string(p, ctx, False, False)
    st = state.store
    sd = st.store_dir
    if not path.startswith("/"):
        raise NixError(f"string '{path}' doesn't represent an absolute path")
    if not sd.is_in_store(path):
        raise NixError(f"path '{path}' is not in the Nix store")
    sp = sd.to_store_path(path)
    try:
        st.ensure_valid([sp])  # Nix's ensurePath: a real store substitutes what is missing
    except StoreError as e:
        raise NixError(str(e)) from None
    ctx.add(sp)
    return mkstr(path, ctx)


__all__ = ["DERIVATION_NIX", "NixPath", "copy_path_to_store"]
