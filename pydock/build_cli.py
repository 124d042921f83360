"""``pydock build``: evaluate, realise and link, like ``nix-build``.

The command evaluates FILES (or ``-E`` expressions) with a real store behind
the evaluator, so sources, ``toFile`` texts and ``.drv`` files are written as
``nix-build`` would write them; collects the derivations the value denotes
(``getDerivations``: a derivation, or a list or set of them); realises each
``drvPath``; creates ``result``, ``result-2``, ``result-<output>`` … symlinks
(to the outputs' physical location under the store root, registered as
indirect GC roots); and prints the output paths.

The printed paths are physical too: with the default store root (a data
directory, not ``/``) ``/nix/store/…`` names nothing on the host, so printing
it would make ``$(pydock build f.nix -A image) | podman load`` fail.  Where
the root is ``/`` the physical and logical paths are the same string, which is
what ``nix-build`` prints; ``pydock instantiate``/``eval`` give logical paths.

Progress goes to stderr only when stderr is a terminal.  Failures print
``error: …`` and exit with status 1; a Python traceback only with
``--show-trace``.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from typing import Any

import click

from pydock.cli_options import argument_options, selection_options, substitution_options

__all__ = ["build"]

_ATTR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9\-_+]*")


@dataclass(frozen=True)
class DrvRef:
    """One derivation to build: its ``.drv`` and the output ``nix-build`` links and prints.

    A package from the package index has no ``.drv``: ``prebuilt_attr`` names it and
    ``drv_path`` holds its output path, which is realised by substitution.
    """

    drv_path: str
    output_name: str
    prebuilt_attr: str | None = None


def _get_derivations(v: Any, auto_args: dict[str, Any], out: list[DrvRef], done: dict[int, Any]) -> None:
    """Nix's ``getDerivations``: derivations in ``v``, recursing into lists and marked sets."""
    from pydock.evaluator.errors import NixError
    from pydock.evaluator.toplevel import auto_call
    from pydock.evaluator.values import force, force_bool

    v = force(auto_call(v, auto_args))
    if _get_derivation(v, out, done):
        return
    if isinstance(v, dict):
        for name in sorted(v):
            if not _ATTR_NAME.fullmatch(name):
                continue
            child = force(v[name])
            if _get_derivation(child, out, done):
                continue
            if isinstance(child, dict) and "recurseForDerivations" in child:
                if force_bool(child["recurseForDerivations"]):
                    _get_derivations(child, auto_args, out, done)
    elif isinstance(v, list):
        for elem in v:
            elem = force(elem)
            if not _get_derivation(elem, out, done) and isinstance(elem, list | dict):
                _get_derivations(elem, auto_args, out, done)
    else:
        raise NixError("expression does not evaluate to a derivation (or a set or list of those)")


def _get_derivation(v: Any, out: list[DrvRef], done: dict[int, Any]) -> bool:
    """Add ``v`` if it is a derivation; True if it was one (even a duplicate)."""
    from pydock.evaluator.errors import NixError
    from pydock.evaluator.ops import coerce_to_string
    from pydock.evaluator.values import force_string_no_ctx, is_derivation

    if not is_derivation(v):
        return False
    if id(v) in done:
        return True
    # Keyed by identity like Nix's set of Bindings pointers; the value is kept so that its
    # id cannot be reused by a later derivation while this evaluation runs.
    done[id(v)] = v
    from pydock.evaluator.packages import IndexPackage

    if type(v) is IndexPackage:
        out.append(DrvRef(v.out_path, str(force_string_no_ctx(v["outputName"])), v.attr_path))
        return True
    if "name" not in v:
        raise NixError("derivation name missing")
    if "drvPath" not in v:
        raise NixError("derivation does not contain a 'drvPath' attribute")
    drv_path = str(coerce_to_string(v["drvPath"], set(), False, False))
    output_name = str(force_string_no_ctx(v["outputName"])) if "outputName" in v else ""
    if not output_name:
        raise NixError(f"derivation '{drv_path}' lacks an 'outputName' attribute")
    out.append(DrvRef(drv_path, output_name))
    return True


def evaluate_derivations(
    store: Any,
    files: list[str],
    is_expr: bool,
    attr_paths: list[str],
    args: list[tuple[str, str]],
    argstrs: list[tuple[str, str]],
    include: list[str],
    package_index: str | None = None,
) -> list[DrvRef]:
    """Evaluate like ``nix-build`` (instantiating into ``store``) and list the derivations to build."""
    from pydock.evaluator.session import load_roots, make_auto_args
    from pydock.evaluator.state import EvalState
    from pydock.evaluator.toplevel import find_along_attr_path

    drvs: list[DrvRef] = []
    state = EvalState(
        search_path=include, store=store, store_dir=store.store_dir.path, package_index=package_index
    )
    auto_args = make_auto_args(state, args, argstrs)
    sources: list[str] = []
    for f in files:
        path = os.path.abspath(f)
        if not is_expr and store.store_dir.is_store_path(path) and path.endswith(".drv"):
            drvs.append(DrvRef(path, "out"))  # a .drv argument is built as is
        else:
            sources.append(f)
    roots = load_roots(state, sources, is_expr) if sources or not files else []
    done: dict[int, Any] = {}
    for root in roots:
        for attr_path in attr_paths or [""]:
            _get_derivations(find_along_attr_path(root, attr_path, auto_args), auto_args, drvs, done)
    return drvs


def open_and_instantiate(
    store_root: str | None,
    files: list[str],
    is_expr: bool,
    attr_paths: list[str],
    args: list[tuple[str, str]],
    argstrs: list[tuple[str, str]],
    include: list[str],
    show_trace: bool,
    settings: Any = None,
    progress: Any = None,
    packages: str | None = None,
) -> tuple[Any, list[DrvRef]]:
    """Open the store (``--store DIR`` or ``local?root=DIR``) and evaluate into it on a big-stack thread.

    ``settings`` (``store.settings.Settings``) turns substitution on; ``progress``
    receives "these paths will be fetched" lines (terminal only); the package index is
    ``packages`` (``--packages``), else ``$PYDOCK_PACKAGES``, else the settings' ``packages``.
    """
    from pydock.evaluator.errors import TraceSettings
    from pydock.evaluator.packages import resolve_index_path
    from pydock.evaluator.runner import run_deep
    from pydock.store.substitute import open_store

    TraceSettings.enabled = show_trace
    if store_root is not None and store_root.startswith("local?root="):
        store_root = store_root[len("local?root=") :]
    package_index = resolve_index_path(packages, configured=settings.packages if settings is not None else None)
    store = open_store(store_root, settings, log=progress, progress_stream=sys.stderr if progress else None)
    drvs = run_deep(
        lambda: evaluate_derivations(store, files, is_expr, attr_paths, args, argstrs, include, package_index)
    )
    return store, drvs


def realise_prebuilt(store: Any, refs: list[DrvRef]) -> None:
    """Make the out paths of index packages valid: substitution through ``store.ensure_valid``.

    A store without a substituter (``ensure_valid``) can only use paths that are
    already valid; anything else is an error naming the package and its path.
    """
    from pydock.store.local import StoreError

    attrs = {ref.drv_path: ref.prebuilt_attr for ref in refs}
    paths = list(attrs)
    ensure_valid = getattr(store, "ensure_valid", None)
    if ensure_valid is not None:
        ensure_valid(paths, describe=lambda p: f"attribute '{attrs[p]}' of the package index" if p in attrs else None)
        return
    for path in paths:
        if not store.is_valid(path):
            raise StoreError(
                f"cannot realise '{attrs[path]}' ({path}): it comes prebuilt from the package index, "
                "it is not in the store, and no substituter is configured"
            )


def _link_name(out_link: str, counter: int, output_name: str) -> str:
    name = out_link if counter == 0 else f"{out_link}-{counter + 1}"
    return name if output_name == "out" else f"{name}-{output_name}"


def _make_link(store: Any, link: str, target: str) -> None:
    """Point ``link`` at ``target`` unless it is something other than a link into the store."""
    from pydock.store.local import StoreError, replace_symlink

    link = os.path.abspath(link)
    if os.path.lexists(link):
        old = os.readlink(link) if os.path.islink(link) else None
        if old is None or not (old.startswith(store.real_store_dir + "/") or store.store_dir.is_in_store(old)):
            raise StoreError(f"cannot create symlink '{link}'; already exists")
    replace_symlink(target, link)
    store.add_indirect_root(link)


def _report(e: BaseException, show_trace: bool) -> None:
    from pydock.evaluator.errors import NixError, format_error

    if isinstance(e, NixError):
        text = e.format(show_trace)
    elif isinstance(e, KeyboardInterrupt):
        text = "error: interrupted by the user"
    else:
        from pydock.builders.realisation.environment import BuildError
        from pydock.builders.realisation.sandbox import SandboxError
        from pydock.store.derivation import DerivationError
        from pydock.store.fsutil import UnsupportedFileType
        from pydock.store.local import StoreError
        from pydock.store.nar import NarError
        from pydock.store.paths import BadStorePath

        if show_trace:
            import traceback

            traceback.print_exception(e)
        known = (BuildError, SandboxError, StoreError, NarError, DerivationError, BadStorePath, UnsupportedFileType)
        if isinstance(e, known) or isinstance(e, OSError) and e.filename is not None:
            text = format_error(str(e), None)
        else:
            text = format_error(f"internal error: {type(e).__name__}: {e}", None)
    from pydock.evaluator.errors import write_stderr

    write_stderr(text)


@click.command("build")
@selection_options
@click.option("-o", "--out-link", "out_link", default="result", show_default=True, help="Name of the result link.")
@click.option("--no-out-link", is_flag=True, help="Do not create result links.")
@click.option(
    "--store",
    "store_root",
    metavar="DIR",
    help="Store root directory (default: $PYDOCK_STORE, else $XDG_DATA_HOME/pydock/store).",
)
@click.option(
    "--verify-layers",
    is_flag=True,
    help="Re-hash image layers whose digest is cached instead of trusting the store's NarHashes.",
)
@argument_options
@substitution_options
def build(
    files: tuple[str, ...],
    is_expr: bool,
    attr_paths: tuple[str, ...],
    out_link: str,
    no_out_link: bool,
    store_root: str | None,
    args: tuple[tuple[str, str], ...],
    argstrs: tuple[tuple[str, str], ...],
    include: tuple[str, ...],
    packages: str | None,
    show_trace: bool,
    substituters: str | None,
    trusted_public_keys: str | None,
    options: tuple[tuple[str, str], ...],
    no_substitute: bool,
    verify_layers: bool,
) -> None:
    """Build the derivations in FILES (default ./default.nix) or -E expressions, like nix-build."""
    interactive = sys.stderr.isatty()
    if verify_layers:  # read by the image builders (builders/images/docker_stream.py), in this process
        os.environ["PYDOCK_VERIFY_LAYERS"] = "1"

    def progress(msg: str) -> None:
        if interactive:
            click.echo(msg, err=True)

    try:
        from pydock.builders.realisation.realise import realise
        from pydock.store.settings import load_settings

        settings = load_settings(options, substituters, trusted_public_keys, no_substitute)
        store, drvs = open_and_instantiate(
            store_root,
            list(files),
            is_expr,
            list(attr_paths),
            list(args),
            list(argstrs),
            list(include),
            show_trace,
            settings,
            progress if interactive else None,
            packages=packages,
        )
        counters: dict[str, int] = {}
        built: dict[str, dict[str, str]] = {}
        prebuilt = [ref for ref in drvs if ref.prebuilt_attr is not None]
        if prebuilt:
            realise_prebuilt(store, prebuilt)
        for ref in prebuilt:
            built[ref.drv_path] = {ref.output_name: ref.drv_path}
        for ref in drvs:
            counters.setdefault(ref.drv_path, len(counters))
            if ref.drv_path not in built:
                built[ref.drv_path] = realise(store, ref.drv_path, progress)
        out_paths: list[str] = []
        for ref in drvs:
            outputs = built[ref.drv_path]
            if ref.output_name not in outputs:
                from pydock.store.local import StoreError

                raise StoreError(f"derivation '{ref.drv_path}' does not have an output named '{ref.output_name}'")
            path = outputs[ref.output_name]
            if not no_out_link:
                link = _link_name(out_link, counters[ref.drv_path], ref.output_name)
                _make_link(store, link, store.real_path(path))
            out_paths.append(store.real_path(path))
    except BaseException as e:  # noqa: BLE001 - every failure becomes "error: …"
        if isinstance(e, SystemExit):
            raise
        _report(e, show_trace)
        sys.exit(1)
    for p in out_paths:
        click.echo(p)


if __name__ == "__main__":  # pragma: no cover
    build()
