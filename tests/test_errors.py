"""One error hierarchy, one reporter: every exception pydock defines has a family, and every
command reports a failure the same way (``error: …``, status 1, a traceback only with ``--show-trace``)."""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pydock.builders
import pydock.store
import pytest
from pydock.builders.errors import BuildError
from pydock.evaluator.errors import NixError, Pos, Source
from pydock.store.errors import StoreError

from pydock.error_report import error_text
from pydock.errors import PydockError

# Runs as `python -I -S` inside the build sandbox, where pydock cannot be imported; its
# exception never leaves that process (the parent reads a status pipe).
OUTSIDE_THE_HIERARCHY = {"pydock.builders.realisation._sandbox_child"}


def _exceptions_defined_in(package: object) -> dict[str, type]:
    found: dict[str, type] = {}
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):  # type: ignore[attr-defined]
        if info.name in OUTSIDE_THE_HIERARCHY:
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if inspect.isclass(obj) and issubclass(obj, BaseException) and obj.__module__ == info.name:
                found[f"{info.name}.{name}"] = obj
    return found


@pytest.mark.parametrize(("package", "family"), [(pydock.store, StoreError), (pydock.builders, BuildError)])
def test_every_exception_belongs_to_its_layers_family(package: object, family: type) -> None:
    classes = _exceptions_defined_in(package)
    assert len(classes) > 3  # the walk found the modules
    assert sorted(name for name, cls in classes.items() if not issubclass(cls, family)) == []


def test_the_families_share_one_root() -> None:
    for family in (NixError, StoreError, BuildError):
        assert issubclass(family, PydockError)
    from pydock.evaluator.packages.index_writer import IndexCommandError

    assert issubclass(IndexCommandError, PydockError)


def test_former_value_errors_are_still_value_errors() -> None:
    """Callers that caught them as ``ValueError`` keep working."""
    from pydock.builders.images.layering import LayeringError
    from pydock.store.hashes import BadHash
    from pydock.store.paths import BadStorePath

    for cls in (BadHash, BadStorePath, LayeringError):
        assert issubclass(cls, ValueError)


def test_error_text_by_kind() -> None:
    src = Source("/f.nix", "let\n  x = 1;\nin y\n")
    nix = NixError("undefined variable 'y'", Pos(src, 3, 4))
    assert error_text(nix) == nix.format(False)
    assert error_text(StoreError("path '/nix/store/x' is not valid")) == "error: path '/nix/store/x' is not valid"
    assert error_text(BuildError("builder failed\nlast lines")) == "error: builder failed\n       last lines"
    assert error_text(FileNotFoundError(2, "No such file or directory", "/nope")) == (
        "error: [Errno 2] No such file or directory: '/nope'"
    )
    bug = ZeroDivisionError("division by zero")
    assert error_text(bug) == "error: internal error: ZeroDivisionError: division by zero"
    assert error_text(KeyboardInterrupt()) == "error: interrupted by the user"


def _pydock(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYDOCK_PACKAGES"}
    return subprocess.run([sys.executable, "-m", "pydock.cli", *args], capture_output=True, text=True, cwd=cwd, env=env)


MISSING_DRV = "/nix/store/" + "a" * 32 + "-missing.drv"


@pytest.mark.parametrize(
    "argv",
    [
        ["build", "--store", "{store}", "--no-out-link", MISSING_DRV],
        ["instantiate", "--store", "{store}", "--option", "require-sigs", "maybe", "-E", "[]"],
        ["eval", "--option", "require-sigs", "maybe", "-E", "1"],
    ],
    ids=["build", "instantiate", "eval"],
)
def test_every_command_reports_a_failure_the_same_way(tmp_path: Path, argv: list[str]) -> None:
    """Errors that are not Nix errors (a builder's, a setting's): one layout in every command,
    status 1, a Python traceback only under ``--show-trace``."""
    argv = [a.replace("{store}", str(tmp_path / "store")) for a in argv]
    plain = _pydock(*argv, cwd=tmp_path)
    assert plain.returncode == 1, plain.stderr
    assert plain.stderr.startswith("error: ") and "Traceback" not in plain.stderr, plain.stderr
    traced = _pydock(*argv, "--show-trace", cwd=tmp_path)
    assert traced.returncode == 1
    assert traced.stderr.startswith("Traceback") and traced.stderr.endswith(plain.stderr), traced.stderr
