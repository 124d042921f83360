"""``pydock store``: look after the store ``pydock build`` fills, like ``nix-store``'s maintenance operations.

``verify``, ``path-info``, ``gc`` and ``delete`` print what ``nix-store --verify``,
``nix path-info``, ``nix-store --gc`` and ``nix-store --delete`` print where the
two overlap; the work itself is in ``store/verify.py``, ``store/path_info.py``
and ``store/gc.py``.  Messages never send the user to a ``nix`` command.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from pydock.cli_options import store_option
from pydock.cli_output import fail, verbosity_options

__all__ = ["store"]


def open_local_store(store_root: str | None) -> Any:
    """The existing store ``--store`` names, without substituters: these commands never download."""
    from pydock.store.local import open_existing_store

    return open_existing_store(store_root)


def _info(msg: str) -> None:
    """Nix's informational lines (``finding garbage collector roots...``): stderr, silenced by ``--quiet``."""
    from pydock import progress
    from pydock.evaluator.errors import write_stderr

    if progress.verbosity() >= 0:
        write_stderr(msg)


def _store_paths(store: Any, args: tuple[str, ...]) -> list[str]:
    from pydock.store.build_logs import to_store_path

    return [to_store_path(store, a) for a in args]


@click.group("store", context_settings={"help_option_names": ["-h", "--help"]})
def store() -> None:
    """Inspect and maintain the store: verify, path-info, gc, delete.

    \b
    Examples:
      pydock store verify --check-contents
      pydock store path-info -rsS result
      pydock store gc --keep "$(readlink result)"
      pydock store delete /nix/store/…-hello.drv
    """


@store.command("verify")
@store_option
@click.option("--check-contents", is_flag=True, help="Hash every path again and compare with the database.")
@verbosity_options
def verify_cmd(store_root: str | None, check_contents: bool) -> None:
    """Check that every valid path exists (and, with --check-contents, is unaltered).

    Like `nix-store --verify`: problems go to stderr, and the exit status is 1
    ("not all store errors were fixed") if any remain.

    \b
    Example:
      pydock store verify --check-contents --store ./store
    """
    from pydock import progress
    from pydock.evaluator.errors import write_stderr
    from pydock.store.verify import verify_store

    try:
        s = open_local_store(store_root)
        total = s.db.query("select sum(narSize) from ValidPaths")[0][0] if check_contents else None
        with progress.task("hashing store paths", total_bytes=total) as bar:
            errors = verify_store(s, check_contents, log=_info, error=write_stderr, on_bytes=lambda n: bar.advance(n))
    except BaseException as e:  # noqa: BLE001 - every failure becomes "error: …"
        fail(e)
        return
    if errors:
        write_stderr("warning: not all store errors were fixed")
        sys.exit(1)


@store.command("path-info", context_settings={"help_option_names": ["--help"]})
@store_option
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("-r", "--recursive", is_flag=True, help="Include the closure of the paths.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON like `nix path-info --json`.")
@click.option("-s", "--size", "show_size", is_flag=True, help="Show the NAR size of each path.")
@click.option("-S", "--closure-size", "show_closure_size", is_flag=True, help="Show the size of each closure.")
@click.option("-h", "--human-readable", "human", is_flag=True, help="With -s/-S: sizes in KiB/MiB/GiB.")
@click.option("--sigs", "show_sigs", is_flag=True, help="Show signatures ('ultimate' for locally built paths).")
@click.option("--hash", "show_hash", is_flag=True, help="Show the NAR hash (sha256, SRI form).")
@verbosity_options
def path_info_cmd(
    store_root: str | None,
    paths: tuple[str, ...],
    recursive: bool,
    as_json: bool,
    show_size: bool,
    show_closure_size: bool,
    human: bool,
    show_sigs: bool,
    show_hash: bool,
) -> None:
    """Show NarHash, size, references and signatures of PATHS (store paths or result links).

    Text output is `nix path-info`'s: one path per line, dependencies first with
    -r, and tab-separated columns for -s, -S and --sigs (plus --hash, a pydock
    addition).  --json prints Nix's JSON objects, sorted by path.

    \b
    Examples:
      pydock store path-info -r result
      pydock store path-info --json -S result | jq '.[].closureSize'
      pydock store path-info -rsSh --sigs result
    """
    from pydock.store.errors import InvalidPath
    from pydock.store.path_info import closure_size, path_info_json, references_first

    try:
        s = open_local_store(store_root)
        wanted = _store_paths(s, paths)
        if recursive or not as_json:
            for p in wanted:
                if not s.is_valid(p):
                    raise InvalidPath(f"path '{p}' is not valid")
        if recursive:
            wanted = sorted(s.query_closure(wanted))
        if as_json:
            sys.stdout.write(json.dumps(path_info_json(s, wanted, show_closure_size), separators=(",", ":")))
            sys.stdout.flush()
            return
        ordered = references_first(s, wanted)
        columns = show_size or show_closure_size or show_sigs or show_hash
        width = max(len(p) for p in ordered) if ordered else 0
        lines: list[str] = []
        for p in ordered:
            line = p + (" " * (width - len(p)) if columns else "")
            info = s.query_path_info(p)
            if show_hash:
                line += "\t" + info.nar_hash.sri
            if show_size:
                line += _size(info.nar_size, human)
            if show_closure_size:
                line += _size(closure_size(s, p), human)
            if show_sigs:
                words = (["ultimate"] if info.ultimate else []) + ([f"ca:{info.ca}"] if info.ca else [])
                line += "\t" + " ".join(words + sorted(info.sigs))
            lines.append(line)
    except BaseException as e:  # noqa: BLE001 - every failure becomes "error: …"
        fail(e)
        return
    for line in lines:
        click.echo(line)


def _size(n: int, human: bool) -> str:
    """Nix's size column: ``\\t%11d``, or with -h ``\\t%6.1f`` and a unit letter (K, M, G, T)."""
    if not human:
        return f"\t{n:11d}"
    value = float(n)
    unit = " "
    for letter in "KMGT":
        if value < 1024:
            break
        value /= 1024
        unit = letter
    return f"\t{value:6.1f}{unit}"


@store.command("gc")
@store_option
@click.option("--keep", "keep", multiple=True, metavar="PATH", help="Also keep PATH and its closure (repeatable).")
@click.option("--dry-run", "--print-dead", "dry_run", is_flag=True, help="Print what would be deleted; delete nothing.")
@click.option("--print-live", is_flag=True, help="Print the paths that are kept; delete nothing.")
@click.option("--print-roots", is_flag=True, help="Print the roots ('LINK -> PATH'); delete nothing.")
@verbosity_options
def gc_cmd(store_root: str | None, keep: tuple[str, ...], dry_run: bool, print_live: bool, print_roots: bool) -> None:
    """Delete every store path that no result link, GC root or --keep path reaches.

    Roots are the links `pydock build` registers for its `result` symlinks
    (`nix/var/nix/gcroots/auto` in the store), any symlink into the store placed
    under `nix/var/nix/gcroots/`, and the temporary roots of running pydock or
    Nix processes.  The `.drv` that built a kept output is kept too, as Nix's
    default keep-derivations does.  Prints `N store paths deleted, X MiB freed`.

    \b
    Examples:
      pydock store gc                       # keep what result links reach
      pydock store gc --print-dead          # only list the garbage
      pydock store gc --keep /nix/store/…-base-image.tar.gz
    """
    from pydock.store.gc import collect_garbage, find_roots

    try:
        s = open_local_store(store_root)
        if print_roots:
            roots = find_roots(s, _info)
            for path in sorted(roots):
                for link in sorted(roots[path]):
                    click.echo(f"{link} -> {path}")
            return
        keep_paths = _store_paths(s, keep)
        result, live = collect_garbage(s, keep_paths, dry_run=dry_run or print_live, log=_info)
    except BaseException as e:  # noqa: BLE001 - every failure becomes "error: …"
        fail(e)
        return
    if print_live:
        for p in sorted(live):
            click.echo(p)
    elif dry_run:
        for p in result.deleted:
            click.echo(p)
    else:
        click.echo(result.summary())


@store.command("delete")
@store_option
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@verbosity_options
def delete_cmd(store_root: str | None, paths: tuple[str, ...]) -> None:
    """Delete PATHS from the store, refusing any that a root or another path still needs.

    Like `nix-store --delete`: a path is deleted only if no GC root reaches it
    and every path referring to it is deleted with it; otherwise nothing is
    deleted and the error names what keeps it alive.

    \b
    Example:
      pydock store delete /nix/store/…-old-image.tar.gz
    """
    from pydock.store.gc import delete_paths

    try:
        s = open_local_store(store_root)
        result = delete_paths(s, _store_paths(s, paths), log=_info)
    except BaseException as e:  # noqa: BLE001 - every failure becomes "error: …"
        fail(e)
        return
    click.echo(result.summary())
