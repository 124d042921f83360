"""Differential tests for derivations: pydock must create exactly the store objects Nix 2.8 creates.

The language corpus (``test_eval_corpus.py``) compares printed values; for derivations the value is
only half of the behaviour, the other half is what lands in the store.  So every case under
``derivations/eval/<topic>/<name>.nix`` is run through two steps, each by both tools:

1. **eval** -- ``--eval --strict --json -E '<summary of (import FILE)>'``: the summary replaces every
   derivation by its name, ``drvPath``, ``outPath`` and per-output paths (a derivation would otherwise
   print as its bare ``outPath``), so the drv and output paths are compared; plain values inside the
   case's result are compared as JSON.  Warnings and ``trace:`` lines on stderr must agree too.
2. **instantiate** -- ``nix-instantiate --store local?root=NIXROOT FILE`` vs ``pydock instantiate
   --store PYROOT FILE``: the printed ``.drv`` paths must agree, then real ``nix-store -qR`` lists the
   closure of those derivations in *both* stores (Nix reads pydock's store, which checks pydock's
   database as well as its files); the closures must be equal, every path in them must be registered
   alike (NAR hash and size, content address, deriver, references) and hold identical files.

Cases under ``derivations/fail/<topic>/<name>.nix`` must fail in both steps (or in the one their
header names with ``# only: <step>``) under both tools, and pydock must report a clean ``error: ``
whose first line is Nix's first line.

The eval step gives real Nix ``--read-write-mode``: in Nix 2.8's default read-only ``--eval`` a
derivation that takes another one's ``drvPath`` (the ``=`` context) cannot be evaluated at all
(``path '…drv' is not valid``: Nix needs the closure of a ``.drv`` it did not write, a limitation its
own source marks with "!!! This doesn't work if readOnlyMode is set"), while pydock's read-only
eval computes the closure in memory.  Read-write mode makes Nix evaluate those cases too, against a
private store; the values of every other case are the same in both modes.

Both stores are per test session (per xdist worker) and shared by its cases: paths are content
addressed, so one case cannot change what another finds, and sharing keeps the session fast.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from nix_compat_tests.conftest import Tool
from nix_compat_tests.processes import Result, quote, run_concurrently

if TYPE_CHECKING:
    from collections.abc import Sequence

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "derivations"
EVAL_DIR = CORPUS / "eval"
FAIL_DIR = CORPUS / "fail"
MIN_EVAL_CASES = 150
MIN_FAIL_CASES = 50
#: nix-instantiate's complaint about GC roots; pydock has no GC roots to warn about.
ADD_ROOT_WARNING = "warning: you did not specify '--add-root'; the result might be removed by the garbage collector"

#: Wraps a case for the eval step.  A derivation becomes a plain set of its paths because `--json`
#: would print a derivation as its outPath only, hiding drvPath and the other outputs; the summary
#: recurses through sets and lists so that cases can return several derivations and plain values.
SUMMARY_EXPR = """
let
  summary = v:
    if builtins.isAttrs v && (v.type or null) == "derivation" then {
      inherit (v) name;
      drv = v.drvPath;
      out = v.outPath;
      outputName = v.outputName or null;
      outputs = builtins.listToAttrs (map (o: {
        name = o;
        value = { drv = v.${o}.drvPath; out = v.${o}.outPath; outputName = v.${o}.outputName; };
      }) (v.outputs or [ "out" ]));
    }
    else if builtins.isAttrs v then builtins.mapAttrs (_: summary) v
    else if builtins.isList v then map summary v
    else v;
in summary (import ./%s)
"""


def _cases(root: Path) -> list[str]:
    """Case files under `root`, relative to CORPUS and sorted so that xdist workers agree."""
    return sorted(p.relative_to(CORPUS).as_posix() for p in root.rglob("*.nix"))


EVAL_CASES = _cases(EVAL_DIR)
FAIL_CASES = _cases(FAIL_DIR)
FAIL_STEPS = ("eval", "instantiate")
#: A fail case whose comment header has this line is checked in that step only.
ONLY_MARKER = "# only: "


def _fail_steps(case: str) -> list[str]:
    """The steps in which a fail case must fail: both, unless its header says ``# only: <step>``.

    A few errors exist in one step only: e.g. ``builtins.storePath`` checks that the path is valid
    only when the store is written (instantiate), never in pydock's read-only eval.
    """
    for line in (CORPUS / case).read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        if line.startswith(ONLY_MARKER):
            step = line[len(ONLY_MARKER) :].strip()
            assert step in FAIL_STEPS, f"{case}: unknown step {step!r} in {line!r}"
            return [step]
    return list(FAIL_STEPS)


FAIL_PARAMS = [pytest.param(case, step, id=f"{case}-{step}") for case in FAIL_CASES for step in _fail_steps(case)]


def _warnings(result: Result) -> list[str]:
    """Warning and trace lines, without the GC-root warning only nix-instantiate has reason to print.

    Traces are included because some cases trace the calls of a path filter: how often and in
    which order the filter runs is observable behaviour.
    """
    return [
        line
        for line in result.stderr.splitlines()
        if line.startswith(("warning:", "trace:")) and line != ADD_ROOT_WARNING
    ]


def _run_all(commands: Sequence[list[str]], env: dict[str, str], timeout: float) -> list[Result]:
    return run_concurrently(commands, CORPUS, env, timeout)


@dataclass(frozen=True)
class Side:
    """One tool bound to its store root, able to build the argv of each step.

    The argv differs between real Nix and pydock (``--eval`` flag vs ``eval`` subcommand, store URI
    vs directory); recognising nix-instantiate by program name lets ``PYDOCK_CMD=nix-instantiate``
    compare Nix with itself, which checks the harness and the corpus independently of pydock.
    """

    command: tuple[str, ...]
    root: Path

    @property
    def is_nix(self) -> bool:
        return Path(self.command[0]).name == "nix-instantiate"

    @property
    def store_uri(self) -> str:
        return f"local?root={self.root}"

    @property
    def nix_options(self) -> list[str]:
        """Store and options for real Nix: the private store, and no binary cache.

        Without ``substituters = ""`` Nix asks cache.nixos.org whenever a path is missing (e.g.
        ``builtins.storePath`` of an invalid path), which makes a case slow, network dependent and
        adds retry warnings with random delays to stderr.
        """
        return ["--store", self.store_uri, "--option", "substituters", ""]

    def eval_argv(self, *, expr: str | None = None, file: str | None = None) -> list[str]:
        """Strict evaluation of an expression (as JSON) or of a file (printed, for fail cases)."""
        target = ["--json", "-E", expr] if expr is not None else [str(file)]
        if self.is_nix:
            return [*self.command, "--eval", "--read-write-mode", *self.nix_options, "--strict", *target]
        return [*self.command, "eval", "--strict", *target]

    def instantiate_argv(self, file: str) -> list[str]:
        """Write the .drv files of `file` into this side's store and print their paths."""
        if self.is_nix:
            return [*self.command, *self.nix_options, file]
        return [*self.command, "instantiate", "--store", str(self.root), file]


@dataclass(frozen=True)
class Stores:
    """The two per-session store roots: one written by Nix, one by pydock."""

    nix: Path
    pydock: Path


@pytest.fixture(scope="session")
def stores(tmp_path_factory: pytest.TempPathFactory) -> Stores:
    """Fresh, empty store roots for this session (each xdist worker gets its own)."""
    return Stores(tmp_path_factory.mktemp("nixroot"), tmp_path_factory.mktemp("pydockroot"))


@pytest.fixture(scope="session")
def nix_store_tool(nix_tool: Tool) -> Tool:
    """Real ``nix-store``, used to query both stores; next to nix-instantiate, else on PATH."""
    if nix_tool.command is not None:
        sibling = Path(nix_tool.command[0]).with_name("nix-store")
        if sibling.exists():
            return Tool("nix-store", (str(sibling),))
    found = shutil.which("nix-store")
    if found is None:
        return Tool("nix-store", None, "'nix-store' not found next to nix-instantiate nor on PATH")
    return Tool("nix-store", (found,))


def _context(case: str, *results: Result) -> str:
    """The case source and every command's output: everything needed to diagnose a mismatch."""
    source = (CORPUS / case).read_text(encoding="utf-8", errors="backslashreplace")
    runs = "\n".join(f"=== {'nix' if i % 2 == 0 else 'pydock'} ===\n{r.describe()}" for i, r in enumerate(results))
    return f"case {case}:\n{source}\n{runs}"


def _drv_paths(stdout: str) -> list[str]:
    """The .drv paths nix-instantiate printed (``path!output`` lines name a non-default output)."""
    return [line.split("!", 1)[0] for line in stdout.splitlines() if line]


def _registration(root: Path, paths: Sequence[str]) -> dict[str, tuple[object, ...]]:
    """How each path is registered in the store's SQLite database (Nix 2.8 schema).

    Compared field by field rather than through ``nix-store --dump-db`` because the content
    address (``ca``) is not in that dump, and a wrong ``ca`` makes Nix distrust the path later.
    """
    db = sqlite3.connect(root / "nix" / "var" / "nix" / "db" / "db.sqlite")
    try:
        info: dict[str, tuple[object, ...]] = {}
        for path in paths:
            row = db.execute("SELECT id, hash, narSize, deriver, ca FROM ValidPaths WHERE path = ?", (path,)).fetchone()
            if row is None:
                info[path] = ("<not registered>",)
                continue
            refs = db.execute(
                "SELECT v.path FROM Refs r JOIN ValidPaths v ON v.id = r.reference WHERE r.referrer = ?", (row[0],)
            ).fetchall()
            info[path] = (*row[1:], tuple(sorted(r[0] for r in refs)))
        return info
    finally:
        db.close()


def _tree_differences(a: Path, b: Path, rel: str = "") -> list[str]:
    """Differences between two file trees as a NAR sees them: types, contents, exec bits, links."""
    sa, sb = a.lstat(), b.lstat()
    where = rel or "."
    if stat.S_IFMT(sa.st_mode) != stat.S_IFMT(sb.st_mode):
        return [f"{where}: file type {stat.filemode(sa.st_mode)} vs {stat.filemode(sb.st_mode)}"]
    if stat.S_ISLNK(sa.st_mode):
        ta, tb = os.readlink(a), os.readlink(b)
        return [] if ta == tb else [f"{where}: symlink target {ta!r} vs {tb!r}"]
    if stat.S_ISREG(sa.st_mode):
        problems = []
        if bool(sa.st_mode & stat.S_IXUSR) != bool(sb.st_mode & stat.S_IXUSR):
            problems.append(f"{where}: executable bit {stat.filemode(sa.st_mode)} vs {stat.filemode(sb.st_mode)}")
        ca, cb = a.read_bytes(), b.read_bytes()
        if ca != cb:
            at = next((i for i, (x, y) in enumerate(zip(ca, cb, strict=False)) if x != y), min(len(ca), len(cb)))
            problems.append(
                f"{where}: contents differ from byte {at} ({len(ca)} vs {len(cb)} bytes)\n"
                f"--- nix ---\n{_show_bytes(ca)}\n--- pydock ---\n{_show_bytes(cb)}"
            )
        return problems
    names_a, names_b = sorted(os.listdir(a)), sorted(os.listdir(b))
    if names_a != names_b:
        return [f"{where}: directory entries {names_a} vs {names_b}"]
    problems = []
    for name in names_a:
        problems += _tree_differences(a / name, b / name, f"{rel}/{name}" if rel else name)
    return problems


def _show_bytes(data: bytes) -> str:
    return quote(data.decode("utf-8", errors="backslashreplace"))


def _store_file(root: Path, store_path: str) -> Path:
    """Where a /nix/store path physically lives under a store root."""
    return root / store_path.lstrip("/")


def test_corpus_is_large_enough() -> None:
    """The corpus specifies derivation behaviour; guard against it shrinking by accident."""
    assert len(EVAL_CASES) >= MIN_EVAL_CASES, f"only {len(EVAL_CASES)} eval cases, want >= {MIN_EVAL_CASES}"
    assert len(FAIL_CASES) >= MIN_FAIL_CASES, f"only {len(FAIL_CASES)} fail cases, want >= {MIN_FAIL_CASES}"


@pytest.mark.parametrize("case", EVAL_CASES)
def test_derivation_case(
    case: str,
    nix_tool: Tool,
    pydock_tool: Tool,
    nix_store_tool: Tool,
    stores: Stores,
    tool_env: dict[str, str],
    eval_timeout: float,
) -> None:
    """Same paths when evaluated, same .drv files and same store closure when instantiated."""
    nix = Side(nix_tool.require(), stores.nix)
    pydock = Side(pydock_tool.require(), stores.pydock)
    nix_store = nix_store_tool.require()

    # Step 1: evaluation.
    expr = SUMMARY_EXPR % case
    nix_eval, py_eval = _run_all([nix.eval_argv(expr=expr), pydock.eval_argv(expr=expr)], tool_env, eval_timeout)
    context = _context(case, nix_eval, py_eval)
    assert nix_eval.returncode == 0, "the oracle failed to evaluate an eval case; the corpus is wrong\n" + context
    assert py_eval.returncode == 0, "pydock eval failed\n" + context
    assert py_eval.stdout == nix_eval.stdout, "eval output differs\n" + context
    assert _warnings(py_eval) == _warnings(nix_eval), "eval warnings/traces differ\n" + context

    # Step 2: instantiation into the two stores.
    nix_inst, py_inst = _run_all([nix.instantiate_argv(case), pydock.instantiate_argv(case)], tool_env, eval_timeout)
    context = _context(case, nix_inst, py_inst)
    assert nix_inst.returncode == 0, "the oracle failed to instantiate an eval case; the corpus is wrong\n" + context
    drvs = _drv_paths(nix_inst.stdout)
    assert drvs, "the case instantiates no derivation, so its store objects go unchecked\n" + context
    assert py_inst.returncode == 0, "pydock instantiate failed\n" + context
    assert py_inst.stdout == nix_inst.stdout, "instantiate printed different derivations\n" + context
    assert _warnings(py_inst) == _warnings(nix_inst), "instantiate warnings/traces differ\n" + context

    # Step 3: the closures, as real nix-store sees them in each store.
    queries = [[*nix_store, "--store", side.store_uri, "-qR", *drvs] for side in (nix, pydock)]
    nix_q, py_q = _run_all(queries, tool_env, eval_timeout)
    context = _context(case, nix_q, py_q)
    assert nix_q.returncode == 0, "nix-store cannot query Nix's own store\n" + context
    assert py_q.returncode == 0, "nix-store cannot query pydock's store\n" + context
    closure = sorted(nix_q.stdout.split())
    assert sorted(py_q.stdout.split()) == closure, "closures differ\n" + context

    problems = []
    for path in closure:
        for difference in _tree_differences(_store_file(nix.root, path), _store_file(pydock.root, path)):
            problems.append(f"{path}: {difference}")
    assert not problems, "store contents differ (nix vs pydock):\n" + "\n".join(problems) + "\n" + context

    nix_reg, py_reg = _registration(nix.root, closure), _registration(pydock.root, closure)
    mismatched = [
        f"{path}:\n  nix:    {nix_reg[path]}\n  pydock: {py_reg[path]}"
        for path in closure
        if nix_reg[path] != py_reg[path]
    ]
    assert not mismatched, (
        "registrations differ (narHash, narSize, deriver, ca, references):\n" + "\n".join(mismatched) + "\n" + context
    )


def _check_failure(nix: Result, pydock: Result, context: str) -> None:
    """Both failed; pydock's message is clean and its first line is Nix's first error line."""
    assert nix.returncode not in (0, None), "the oracle did not fail on a fail case; the corpus is wrong\n" + context
    assert pydock.returncode is not None, "pydock timed out\n" + context
    assert pydock.returncode != 0, "pydock succeeded on a failing case\n" + context
    assert "Traceback" not in pydock.stderr, "pydock leaked a Python traceback\n" + context
    nix_lines = nix.stderr.splitlines()
    leading_warnings = []
    for line in nix_lines:
        if not line.startswith("warning:"):
            break
        leading_warnings.append(line)
    py_lines = pydock.stderr.splitlines()
    assert py_lines[: len(leading_warnings)] == leading_warnings, "warnings before the error differ\n" + context
    rest = py_lines[len(leading_warnings) :]
    assert rest and rest[0].startswith("error: "), "pydock's stderr does not start with 'error: '\n" + context
    expected = nix_lines[len(leading_warnings)] if len(nix_lines) > len(leading_warnings) else None
    if expected is not None and expected.startswith("error: "):
        diff = f"first error line differs:\n  nix:    {expected}\n  pydock: {rest[0]}\n"
        assert rest[0] == expected, diff + context


@pytest.mark.parametrize(("case", "step"), FAIL_PARAMS)
def test_derivation_fail_case(
    case: str,
    step: str,
    nix_tool: Tool,
    pydock_tool: Tool,
    stores: Stores,
    tool_env: dict[str, str],
    eval_timeout: float,
) -> None:
    """Both tools reject the case in both steps, with the same first error line.

    Both steps are checked (unless the case says ``# only: <step>``) because they reach errors by
    different routes: ``--eval --strict`` forces every attribute of the derivation set, while
    instantiation asks for the name, then the ``drvPath`` (Nix even words the missing-name error
    differently in the two).
    """
    nix = Side(nix_tool.require(), stores.nix)
    pydock = Side(pydock_tool.require(), stores.pydock)
    if step == "eval":
        commands = [nix.eval_argv(file=case), pydock.eval_argv(file=case)]
    else:
        commands = [nix.instantiate_argv(case), pydock.instantiate_argv(case)]
    nix_result, py_result = _run_all(commands, tool_env, eval_timeout)
    _check_failure(nix_result, py_result, _context(case, nix_result, py_result))
