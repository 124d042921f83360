"""The environment and build-directory files a builder starts with, as Nix 2.8 prepares them.

Builders see a fixed, minimal environment (``PATH=/path-not-set``,
``HOME=/homeless-shelter``, ``NIX_BUILD_TOP`` …) plus the derivation's own
variables, with every ``builtins.placeholder "<output>"`` string replaced by the
output's path.  Two derivation features move data out of the environment into
files of the build directory:

* ``passAsFile``: each listed variable is written to ``.attr-<base32 sha256 of
  its name>`` and replaced by ``<name>Path``;
* ``__structuredAttrs``: nothing of the derivation goes into the environment;
  instead ``.attrs.json`` holds the attributes (plus ``outputs``) and
  ``.attrs.sh`` declares the bash-representable ones.

``exportReferencesGraph`` asks for the closure of some inputs, written either as
a "validity registration" text file or, with structured attributes, as JSON.
"""

from __future__ import annotations

import json
import math
import os
import platform
import re
from collections.abc import Iterable
from dataclasses import dataclass

from pydock.builders.errors import BuildError, FixedOutputHashMismatch
from pydock.store.derivation import Derivation, OutputKind, hash_placeholder
from pydock.store.hashes import hash_bytes
from pydock.store.local import InvalidPath, LocalStore

__all__ = ["BuildError", "FixedOutputHashMismatch", "BuildEnvironment", "host_system", "prepare_environment"]

HOME_DIR = "/homeless-shelter"
_SH_VAR = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_EXPORT_FILE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")


def host_system() -> str:
    """Nix's ``system`` for this machine (``x86_64-linux``, ``aarch64-linux``, …)."""
    machine = platform.machine().lower()
    machine = {"amd64": "x86_64", "arm64": "aarch64", "i386": "i686", "i586": "i686"}.get(machine, machine)
    return f"{machine}-{platform.system().lower()}"


def can_build_locally(drv: Derivation) -> bool:
    """Whether this machine can run ``drv``'s builder (``builtin`` runs anywhere)."""
    system = host_system()
    compatible = {system, "builtin"}
    if system == "x86_64-linux":
        compatible.add("i686-linux")
    return drv.platform in compatible


def _rewrite(s: str, rewrites: dict[str, str]) -> str:
    for old, new in rewrites.items():
        if old in s:
            s = s.replace(old, new)
    return s


def _tokens(s: str) -> list[str]:
    """Nix's ``tokenizeString`` with the default separators (space, tab, newline, CR)."""
    return [t for t in re.split(r"[ \t\n\r]+", s) if t]


def shell_escape(s: str) -> str:
    return "'" + s.replace("'", "'\\''") + "'"


def _sh_simple(value: object) -> str | None:
    """Bash rendering of a JSON scalar (``writeStructuredAttrsShell``), ``None`` if not representable."""
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, str):
        return shell_escape(value)
    if isinstance(value, int | float):
        if isinstance(value, float) and (not math.isfinite(value) or math.ceil(value) != value):
            return None
        return str(int(value))
    if value is None:
        return "''"
    return None


def structured_attrs_shell(attrs: dict) -> str:
    """The text of ``.attrs.sh``: ``declare`` lines for every bash-representable attribute."""
    out: list[str] = []
    for key in sorted(attrs):
        if not _SH_VAR.fullmatch(key):
            continue
        value = attrs[key]
        simple = _sh_simple(value)
        if simple is not None:
            out.append(f"declare {key}={simple}\n")
        elif isinstance(value, list):
            items = [_sh_simple(v) for v in value]
            if all(i is not None for i in items):
                out.append(f"declare -a {key}=({''.join(f'{i} ' for i in items)})\n")
        elif isinstance(value, dict):
            pairs = [(k, _sh_simple(value[k])) for k in sorted(value)]
            if all(v is not None for _, v in pairs):
                out.append(f"declare -A {key}=({''.join(f'[{shell_escape(k)}]={v} ' for k, v in pairs)})\n")
    return "".join(out)


def dump_json(value: object) -> str:
    """Compact JSON with sorted keys, as nlohmann's ``dump()`` of Nix's JSON prints it."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def export_references(store: LocalStore, roots: Iterable[str], input_paths: set[str], drv_path: str) -> list[str]:
    """Nix's ``exportReferences``: closure of ``roots`` (which must be inputs), plus outputs of ``.drv`` s in it."""
    paths: set[str] = set()
    for root in roots:
        if root not in input_paths:
            raise BuildError(
                f"cannot export references of path '{root}' because it is not in the input closure of the derivation"
            )
        paths |= store.query_closure([root])
    for p in sorted(paths):
        if p.endswith(".drv"):
            for out in store.read_derivation(p).output_paths().values():
                if not out:
                    raise BuildError("exportReferences on CA derivations is not yet implemented")
                paths |= store.query_closure([out])
    return sorted(paths)


def validity_registration(store: LocalStore, paths: list[str]) -> str:
    """``makeValidityRegistration`` without hashes or derivers: path, empty line, count, references."""
    out: list[str] = []
    for p in paths:
        refs = sorted(store.query_references(p))
        out.append(f"{p}\n\n{len(refs)}\n" + "".join(r + "\n" for r in refs))
    return "".join(out)


def path_info_json(store: LocalStore, paths: list[str]) -> list[dict]:
    """``pathInfoToJSON`` as used for structured ``exportReferencesGraph`` (closure sizes, base-32 hashes)."""
    out: list[dict] = []
    for p in paths:
        try:
            info = store.query_path_info(p)
        except InvalidPath:
            out.append({"path": p, "valid": False})
            continue
        entry: dict = {
            "path": p,
            "narHash": info.nar_hash.to_string("base32", True),
            "narSize": info.nar_size,
            "references": sorted(info.references),
        }
        if info.ca:
            entry["ca"] = info.ca
        entry["closureSize"] = sum(store.query_path_info(q).nar_size for q in store.query_closure([p]))
        out.append(entry)
    return out


@dataclass
class BuildEnvironment:
    """What a builder is started with: environment, arguments, and files already written to the build dir."""

    env: dict[str, str]
    args: list[str]
    rewrites: dict[str, str]


def prepare_environment(
    store: LocalStore,
    drv_path: str,
    drv: Derivation,
    output_paths: dict[str, str],
    input_paths: set[str],
    build_dir: str,
    build_top: str,
) -> BuildEnvironment:
    """Compute the builder environment and write the build-directory files (``initEnv`` & co).

    ``build_dir`` is where the files go physically, ``build_top`` the same
    directory as the builder sees it (``/build`` in the sandbox).
    """
    rewrites = {hash_placeholder(o): p for o, p in output_paths.items()}
    env: dict[str, str] = {
        "PATH": "/path-not-set",
        "HOME": HOME_DIR,
        "NIX_STORE": store.store_dir.path,
        "NIX_BUILD_CORES": str(os.cpu_count() or 1),
    }
    structured = "__json" in drv.env
    if not structured:
        pass_as_file = set(_tokens(drv.env.get("passAsFile", "")))
        for key, value in drv.env.items():
            if key in pass_as_file:
                fn = ".attr-" + hash_bytes("sha256", key).base32
                _write(os.path.join(build_dir, fn), _rewrite(value, rewrites))
                env[key + "Path"] = f"{build_top}/{fn}"
            else:
                env[key] = value
    for var in ("NIX_BUILD_TOP", "TMPDIR", "TEMPDIR", "TMP", "TEMP", "PWD"):
        env[var] = build_top
    fixed = drv.kinds() == {OutputKind.FIXED}
    if fixed:
        env["NIX_OUTPUT_CHECKED"] = "1"
        if structured:
            impure = json.loads(drv.env["__json"]).get("impureEnvVars") or []
        else:
            impure = _tokens(drv.env.get("impureEnvVars", ""))
        for var in impure:
            env[var] = os.environ.get(var, "")
    env["NIX_LOG_FD"] = "2"
    env["TERM"] = "xterm-256color"

    if structured:
        attrs = json.loads(drv.env["__json"])
        attrs["outputs"] = {o: output_paths[o] for o in sorted(drv.outputs)}
        graph = attrs.get("exportReferencesGraph")
        if isinstance(graph, dict):
            for key in sorted(graph):
                roots = graph[key] if isinstance(graph[key], list) else [graph[key]]
                attrs[key] = path_info_json(store, export_references(store, roots, input_paths, drv_path))
        _write(os.path.join(build_dir, ".attrs.sh"), _rewrite(structured_attrs_shell(attrs), rewrites))
        _write(os.path.join(build_dir, ".attrs.json"), _rewrite(dump_json(attrs), rewrites))
        # Nix 2.8 points these at the build directory's host path, which does not exist inside
        # its sandbox; the in-sandbox path is given instead, so builders can actually use them.
        env["NIX_ATTRS_SH_FILE"] = f"{build_top}/.attrs.sh"
        env["NIX_ATTRS_JSON_FILE"] = f"{build_top}/.attrs.json"
    else:
        tokens = _tokens(drv.env.get("exportReferencesGraph", ""))
        if len(tokens) % 2:
            raise BuildError(f"odd number of tokens in 'exportReferencesGraph': '{drv.env['exportReferencesGraph']}'")
        for name, path in zip(tokens[::2], tokens[1::2], strict=True):
            if not _EXPORT_FILE_NAME.fullmatch(name):
                raise BuildError(f"invalid file name '{name}' in 'exportReferencesGraph'")
            if not store.store_dir.is_in_store(path):
                raise BuildError(f"'exportReferencesGraph' contains a non-store path '{path}'")
            paths = export_references(store, [store.store_dir.to_store_path(path)], input_paths, drv_path)
            _write(os.path.join(build_dir, name), validity_registration(store, paths))

    final = {_rewrite(k, rewrites): _rewrite(v, rewrites) for k, v in env.items()}
    return BuildEnvironment(
        env=dict(sorted(final.items())),
        args=[_rewrite(a, rewrites) for a in drv.args],
        rewrites=rewrites,
    )


def _write(path: str, text: str) -> None:
    with open(path, "wb") as f:
        f.write(text.encode("utf-8", "surrogateescape"))
