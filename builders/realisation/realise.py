"""Realising derivations: build what is missing, in dependency order, and register the outputs.

``realise(store, drv_path)`` is ``nix-store --realise`` for one derivation: its
input derivations are realised first (depth first, skipping any whose outputs
are all valid already), then the derivation itself.  Building one derivation
follows Nix 2.8's ``LocalDerivationGoal``:

1. lock the output paths (``<path>.lock``), re-check validity (another process
   may have built them meanwhile) and delete unregistered leftovers;
2. run the builder in a scratch directory of the store: a pydock builtin
   (``builtin:pydock-<name>``, a Python function), Nix's ``builtin:fetchurl``
   (``file://`` only), or a program in the sandbox (see ``sandbox.py``), with
   the log saved where ``pydock log`` (and ``nix-store -l``) read it;
3. for each output: it must exist; canonicalise it, scan its NAR for the hash
   parts of the input closure and of the outputs (its references), hash it;
   check fixed-output hashes and ``allowedReferences`` & co.;
4. rename the outputs into place and register them all in one transaction,
   with the derivation as deriver.

A failure at any point (or a ``kill -9``) leaves no output registered; the
scratch directory goes away with its owner.
"""

from __future__ import annotations

import json
import os
import stat
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from pydock.builders.realisation.buildlog import BuildLog
from pydock.builders.realisation.builtin_builders import BUILTIN_PREFIX, BuildContext, get_builtin
from pydock.builders.realisation.environment import (
    BuildError,
    FixedOutputHashMismatch,
    can_build_locally,
    host_system,
    prepare_environment,
)
from pydock.builders.realisation.sandbox import SandboxSpec, describe_status, run_sandboxed
from pydock.store.derivation import Derivation, OutputKind
from pydock.store.fsutil import UnsupportedFileType, canonicalise, delete_path, move_path
from pydock.store.hashes import Hash, hash_file
from pydock.store.local import LocalStore, StoreError, ValidPathInfo, render_fixed_ca
from pydock.store.locks import PathLocks
from pydock.store.nar import hash_path
from pydock.store.paths import FileIngestionMethod, output_path_name, store_path_hash_part
from pydock.store.refscan import scan_path

__all__ = ["BuildError", "Progress", "realise", "build_derivation", "derivations_to_build"]

Progress = Callable[[str], None]
"""Receives human-oriented progress: "building '…'..." messages and the builders' log lines."""

SANDBOX_BUILD_DIR = "/build"


def _no_progress(_msg: str) -> None:
    pass


def realise(store: LocalStore, drv_path: str, progress: Progress | None = None) -> dict[str, str]:
    """Make every output of ``drv_path`` valid, building dependencies first; returns output name -> path."""
    progress = progress or _no_progress
    todo = derivations_to_build(store, [drv_path])
    if todo and store.substituters:
        todo = _substitute_outputs(store, drv_path, todo)
    if todo:
        if len(todo) == 1:
            progress("this derivation will be built:")
        else:
            progress(f"these {len(todo)} derivations will be built:")
        for p in sorted(todo):
            progress(f"  {p}")
    for p in todo:
        build_derivation(store, p, progress)
    outputs = store.derivation_output_paths(store.read_derivation(drv_path))
    # Temporary GC roots, as Nix adds them: a concurrent `pydock store gc` keeps the outputs
    # until this process exits, e.g. until `pydock build` has made its result links.
    store.temp_roots.add_many(sorted(outputs.values()))
    return outputs


def _substitute_outputs(store: LocalStore, drv_path: str, todo: list[str]) -> list[str]:
    """Fetch the outputs a cache has instead of building them, as Nix does; returns what is left to build.

    All outputs of every derivation to build are queried at once (the query is
    parallel); an output whose closure is complete somewhere is copied, and a
    derivation whose outputs all became valid drops out of the plan together
    with whatever it alone needed.
    """
    wanted: list[str] = []
    for p in todo:
        wanted.extend(store.derivation_output_paths(store.read_derivation(p)).values())
    if not store.substitute_available(wanted):
        return todo
    return derivations_to_build(store, [drv_path])


def derivations_to_build(store: LocalStore, drv_paths: Iterable[str]) -> list[str]:
    """The derivations (among ``drv_paths`` and their inputs) with an invalid output, dependencies first."""
    order: list[str] = []
    state: dict[str, int] = {}
    for root in drv_paths:
        if root in state:
            continue
        if not store.is_valid(root):
            raise BuildError(f"don't know how to build these paths:\n  {root}")
        stack: list[tuple[str, list[str]]] = []
        if _needs_build(store, root):
            stack.append((root, sorted(store.read_derivation(root).input_drvs)))
            state[root] = 1
        else:
            state[root] = 2
        while stack:
            node, pending = stack[-1]
            if pending:
                dep = pending.pop()
                if dep in state:
                    continue
                if not store.is_valid(dep):
                    raise BuildError(f"cannot build '{node}': its input derivation '{dep}' is not valid")
                if _needs_build(store, dep):
                    state[dep] = 1
                    stack.append((dep, sorted(store.read_derivation(dep).input_drvs)))
                else:
                    state[dep] = 2
                continue
            stack.pop()
            state[node] = 2
            order.append(node)
    return order


def _needs_build(store: LocalStore, drv_path: str) -> bool:
    drv = store.read_derivation(drv_path)
    paths = store.derivation_output_paths(drv)
    return len(paths) < len(drv.outputs) or not all(store.is_valid(p) for p in paths.values())


def failure_message(drv_path: str, status: str, tail: Iterable[str], log_command: str | None = None) -> str:
    """Nix's wording for a failed builder, with the last log lines.

    Where Nix sends the user to ``nix log``, pydock names its own command
    (``log_command``, see ``log_command_for``): a pydock user may have no Nix.
    """
    lines = list(tail)
    msg = f"builder for '{drv_path}' {status}"
    if lines:
        msg += f";\nlast {len(lines)} log lines:\n" + "".join(f"> {line}\n" for line in lines)
        msg += f"For full logs, run '{log_command or f'pydock log {drv_path}'}'."
    return msg


def log_command_for(store: LocalStore, drv_path: str) -> str:
    """The ``pydock log`` command line that prints ``drv_path``'s log from ``store``.

    ``--store`` is spelled out unless the store is the default one, so the line
    can be pasted as is.
    """
    import shlex

    from pydock.store.local import default_store_root

    if os.path.realpath(default_store_root()) == store.root:
        return f"pydock log {drv_path}"
    return f"pydock log --store {shlex.quote(store.root)} {drv_path}"


@dataclass
class _Scratch:
    """The real directories of one build: outputs (seen as the store dir), build dir, chroot mount point."""

    outputs_dir: str
    build_dir: str
    chroot_dir: str

    @classmethod
    def create(cls, base: str) -> _Scratch:
        s = cls(os.path.join(base, "store"), os.path.join(base, "build"), os.path.join(base, "chroot"))
        os.mkdir(s.outputs_dir, 0o755)
        os.mkdir(s.build_dir, 0o700)
        os.mkdir(s.chroot_dir, 0o700)
        return s


def build_derivation(store: LocalStore, drv_path: str, progress: Progress | None = None) -> None:
    """Build one derivation whose inputs are valid, and register its outputs (no-op if already valid)."""
    progress = progress or _no_progress
    drv = store.read_derivation(drv_path)
    kinds = drv.kinds()
    if kinds & {OutputKind.FLOATING, OutputKind.IMPURE, OutputKind.DEFERRED}:
        raise BuildError(f"cannot build '{drv_path}': content-addressed derivations are not supported")
    outputs = store.derivation_output_paths(drv)
    if all(store.is_valid(p) for p in outputs.values()):
        return
    if not can_build_locally(drv):
        raise BuildError(
            f"a '{drv.platform}' with features {{}} is required to build '{drv_path}', "
            f"but I am a '{host_system()}' with features {{}}"
        )
    locks = PathLocks(on_wait=lambda p: progress(f"waiting for lock on '{p}'..."))
    locks.lock(store.real_path(p) for p in outputs.values())
    try:
        if all(store.is_valid(p) for p in outputs.values()):
            locks.unlock(delete=True)
            return
        for p in outputs.values():
            store.delete_if_invalid(p)
        input_paths = _input_closure(store, drv_path, drv)
        store.temp_roots.add_many(sorted(input_paths | set(outputs.values())))  # no GC under a running build
        with store.temp_dir("-build") as base:
            scratch = _Scratch.create(base)
            progress(f"building '{drv_path}'...")
            log = BuildLog(store.build_log_path(drv_path), on_line=progress)
            try:
                _run_builder(store, drv_path, drv, outputs, input_paths, scratch, log)
            finally:
                log.close()
            _register_outputs(store, drv_path, drv, outputs, input_paths, scratch.outputs_dir, drv.is_builtin())
        locks.unlock(delete=True)
    finally:
        locks.unlock()


def _input_closure(store: LocalStore, drv_path: str, drv: Derivation) -> set[str]:
    """Closure of the input sources and of the wanted outputs of the input derivations."""
    roots = set(drv.input_srcs)
    for dep, wanted in drv.input_drvs.items():
        dep_outputs = store.derivation_output_paths(store.read_derivation(dep))
        for name in wanted:
            if name not in dep_outputs:
                raise BuildError(f"derivation '{dep}' does not have an output named '{name}'")
            roots.add(dep_outputs[name])
    try:
        return store.query_closure(roots)
    except StoreError as e:
        raise BuildError(f"some dependencies of '{drv_path}' are missing: {e}") from None


def _run_builder(
    store: LocalStore,
    drv_path: str,
    drv: Derivation,
    outputs: dict[str, str],
    input_paths: set[str],
    scratch: _Scratch,
    log: BuildLog,
) -> None:
    if drv.is_builtin():
        build_top = scratch.build_dir
    else:
        build_top = SANDBOX_BUILD_DIR
    benv = prepare_environment(store, drv_path, drv, outputs, input_paths, scratch.build_dir, build_top)
    if not drv.is_builtin():
        spec = SandboxSpec(
            builder=drv.builder,
            args=benv.args,
            env=benv.env,
            store_dir=store.store_dir.path,
            outputs_dir=scratch.outputs_dir,
            inputs={p: store.real_path(p) for p in input_paths},
            build_dir=scratch.build_dir,
            chroot_dir=scratch.chroot_dir,
            network=drv.is_fixed_output,
        )
        rc = run_sandboxed(spec, log.write)
        if rc != 0:
            log.close()
            raise BuildError(
                failure_message(drv_path, describe_status(rc), log.tail, log_command_for(store, drv_path))
            )
        return
    ctx = BuildContext(
        drv_path=drv_path,
        drv=drv,
        store=store,
        outputs={o: os.path.join(scratch.outputs_dir, os.path.basename(p)) for o, p in outputs.items()},
        output_paths=dict(outputs),
        env=benv.env,
        build_dir=scratch.build_dir,
        log=log.line,
    )
    try:
        _run_builtin(drv, ctx)
    except FixedOutputHashMismatch:
        raise
    except Exception as e:  # noqa: BLE001 - a failing builtin is a failing builder, as in Nix
        log.write_file_only("".join(traceback.format_exception(e)).encode())
        log.line(f"error: {e}")
        log.close()
        raise BuildError(
            failure_message(drv_path, "failed with exit code 1", log.tail, log_command_for(store, drv_path))
        ) from e


def _run_builtin(drv: Derivation, ctx: BuildContext) -> None:
    name = drv.builder[len("builtin:") :]
    if drv.builder.startswith(BUILTIN_PREFIX):
        fn = get_builtin(drv.builder[len(BUILTIN_PREFIX) :])
        if fn is None:
            raise BuildError(f"unsupported builtin builder '{name}'")
        fn(drv, ctx)
    elif name == "fetchurl":
        from pydock.builders.realisation.fetchurl import fetchurl

        fetchurl(ctx)
    else:
        raise BuildError(f"unsupported builtin builder '{name}'")


# ---------------------------------------------------------------------------------------------
# After the build


@dataclass
class _Output:
    name: str
    actual: str
    info: ValidPathInfo


def _register_outputs(
    store: LocalStore,
    drv_path: str,
    drv: Derivation,
    outputs: dict[str, str],
    input_paths: set[str],
    outputs_dir: str,
    trusted_builder: bool,
) -> None:
    candidates = {store_path_hash_part(p): p for p in input_paths | set(outputs.values())}
    done: list[_Output] = []
    mismatch: BuildError | None = None
    for name in sorted(outputs):
        path = outputs[name]
        if store.is_valid(path):
            continue
        actual = os.path.join(outputs_dir, os.path.basename(path))
        try:
            st = os.lstat(actual)
        except FileNotFoundError:
            raise BuildError(
                f"builder for '{drv_path}' failed to produce output path for output '{name}' at '{actual}'"
            ) from None
        if not trusted_builder and not stat.S_ISLNK(st.st_mode) and st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            raise BuildError(
                f"suspicious ownership or permission on '{actual}' for output '{name}'; rejecting this build output"
            )
        try:
            canonicalise(actual)
        except UnsupportedFileType as e:
            raise BuildError(str(e)) from None
        found, nar_hash_, nar_size = scan_path(actual, candidates)
        refs = {candidates[h] for h in found}
        info = ValidPathInfo(
            path=path,
            nar_hash=nar_hash_,
            nar_size=nar_size,
            references=refs,
            deriver=drv_path,
            ultimate=True,
        )
        o = drv.outputs[name]
        if o.kind is OutputKind.FIXED:
            mismatch = _check_fixed_output(store, drv_path, drv, name, actual, st, info)
        done.append(_Output(name, actual, info))
    _check_output_cycles(drv_path, done)
    _check_references(store, drv, done)
    # Only a hash-mismatched fixed output lands somewhere other than its locked, declared path.
    elsewhere = PathLocks()
    elsewhere.lock(store.real_path(o.info.path) for o in done if o.info.path != outputs[o.name])
    moved: list[str] = []
    try:
        done = [o for o in done if o.info.path == outputs[o.name] or not store.is_valid(o.info.path)]
        for out in done:
            real = store.real_path(out.info.path)
            delete_path(real)
            move_path(out.actual, real)
            moved.append(real)
        store.register_valid([out.info for out in done])
        elsewhere.unlock(delete=True)
    except BaseException:
        for real in moved:
            delete_path(real)
        raise
    finally:
        elsewhere.unlock()
    if mismatch is not None:
        raise mismatch


def _check_fixed_output(
    store: LocalStore,
    drv_path: str,
    drv: Derivation,
    name: str,
    actual: str,
    st: os.stat_result,
    info: ValidPathInfo,
) -> BuildError | None:
    """Hash a fixed output as declared; on a mismatch, re-point ``info`` at the content's own path.

    Like Nix 2.8, a mismatching output is still registered (under the path its
    actual content deserves) before the error is reported.
    """
    o = drv.outputs[name]
    method, algo = o.method, o.algo
    assert method is not None and algo is not None
    if method is FileIngestionMethod.FLAT and (not stat.S_ISREG(st.st_mode) or st.st_mode & stat.S_IXUSR):
        raise BuildError(
            f"output path '{actual}' should be a non-executable regular file "
            "since recursive hashing is not enabled (outputHashMode=flat)"
        )
    if info.references:
        # Nix 2.8 would move such an output to a path other than the declared one, leaving
        # the declared output unbuilt; refusing outright is the clearer outcome.
        raise BuildError(f"illegal path references in fixed-output derivation '{drv_path}'")
    if method is FileIngestionMethod.FLAT:
        got = hash_file(algo, actual)
    elif algo == "sha256":
        got = info.nar_hash
    else:
        got = hash_path(actual, algo)[0]
    info.ca = render_fixed_ca(method, got)
    wanted: Hash = o.fixed_hash()
    if got == wanted:
        return None
    info.path = store.store_dir.make_fixed_output_path(method, got, output_path_name(drv.name, name))
    return FixedOutputHashMismatch(drv_path, wanted, got)


def _check_output_cycles(drv_path: str, done: list[_Output]) -> None:
    """Outputs may refer to each other, but not in a cycle (they could never be registered)."""
    by_path = {o.info.path: o.name for o in done}
    edges = {o.name: {by_path[r] for r in o.info.references if r in by_path and r != o.info.path} for o in done}
    state: dict[str, int] = {}

    def visit(n: str, parent: str | None) -> None:
        if state.get(n) == 2:
            return
        if state.get(n) == 1:
            raise BuildError(
                f"cycle detected in build of '{drv_path}' in the references of output '{n}' from output '{parent}'"
            )
        state[n] = 1
        for m in sorted(edges[n]):
            visit(m, n)
        state[n] = 2

    for n in sorted(edges):
        visit(n, None)


def _check_references(store: LocalStore, drv: Derivation, done: list[_Output]) -> None:
    """``allowedReferences``, ``allowedRequisites``, ``disallowedReferences``, ``disallowedRequisites``."""
    by_name = {o.name: o.info for o in done}
    by_path = {o.info.path: o.info for o in done}

    def closure(path: str) -> set[str]:
        seen: set[str] = set()
        todo = [path]
        while todo:
            p = todo.pop()
            if p in seen:
                continue
            seen.add(p)
            info = by_path.get(p)
            todo.extend(info.references if info is not None else store.query_references(p))
        return seen

    structured = json.loads(drv.env["__json"]) if "__json" in drv.env else None
    for out in done:
        info = out.info
        if structured is not None:
            spec = (structured.get("outputChecks") or {}).get(out.name)
            if spec is None:
                continue
            checks = {k: spec.get(k) for k in _CHECKS}
            ignore_self = False
            max_size, max_closure = spec.get("maxSize"), spec.get("maxClosureSize")
        else:
            checks = {k: drv.env[k].split() if k in drv.env else None for k in _CHECKS}
            ignore_self = True
            max_size = max_closure = None
        if max_size is not None and info.nar_size > max_size:
            raise BuildError(f"path '{info.path}' is too large at {info.nar_size} bytes; limit is {max_size} bytes")
        if max_closure is not None:
            size = sum(
                by_path[p].nar_size if p in by_path else store.query_path_info(p).nar_size for p in closure(info.path)
            )
            if size > max_closure:
                raise BuildError(
                    f"closure of path '{info.path}' is too large at {size} bytes; limit is {max_closure} bytes"
                )
        for key, (allowed, recursive) in _CHECKS.items():
            value = checks[key]
            if value is None:
                continue
            spec_paths: set[str] = set()
            for item in value:
                if store.store_dir.is_store_path(item):
                    spec_paths.add(item)
                elif item in by_name:
                    spec_paths.add(by_name[item].path)
                else:
                    raise BuildError(f"derivation contains an illegal reference specifier '{item}'")
            used = closure(info.path) if recursive else set(info.references)
            if recursive and ignore_self:
                used.discard(info.path)
            bad = sorted(p for p in used if (p not in spec_paths) == allowed)
            if bad:
                raise BuildError(
                    f"output '{info.path}' is not allowed to refer to the following paths:"
                    + "".join(f"\n  {p}" for p in bad)
                )


_CHECKS: dict[str, tuple[bool, bool]] = {
    "allowedReferences": (True, False),
    "allowedRequisites": (True, True),
    "disallowedReferences": (False, False),
    "disallowedRequisites": (False, True),
}
