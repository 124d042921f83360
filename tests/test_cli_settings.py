"""One settings pipeline for every command: ``--option`` and the setting flags mean the same to
``eval``, ``instantiate`` and ``build`` (evaluator settings and store settings from one list)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from nix_compat_tests.support import require_tool

COMMANDS = ["eval", "instantiate", "build"]


def _pydock(command: str, *args: str, store: Path) -> subprocess.CompletedProcess:
    where = [] if command == "eval" else ["--store", str(store)]
    extra = ["--no-out-link"] if command == "build" else []
    env = {k: v for k, v in os.environ.items() if k != "PYDOCK_PACKAGES"}
    return subprocess.run(
        [sys.executable, "-m", "pydock.cli", command, *where, *extra, *args], capture_output=True, text=True, env=env
    )


@pytest.mark.nix_oracle
@pytest.mark.parametrize("command", COMMANDS)
def test_an_unknown_setting_warns_once_as_nix_does(command: str, tmp_path: Path) -> None:
    nix = subprocess.run(
        [require_tool("nix-instantiate"), "--eval", "--option", "no-such-setting", "1", "-E", "[]"],
        capture_output=True, text=True,
    )  # fmt: skip
    ours = _pydock(command, "--option", "no-such-setting", "1", "-E", "[]", store=tmp_path / "store")
    assert ours.returncode == 0, ours.stderr
    assert ours.stderr == nix.stderr
    assert nix.stderr.count("warning: unknown setting 'no-such-setting'") == 1


@pytest.mark.parametrize("command", ["instantiate", "build"])
@pytest.mark.parametrize("flags", [["--option", "abort-on-warn", "true"], ["--abort-on-warn"]])
def test_evaluator_settings_reach_every_command(command: str, flags: list[str], tmp_path: Path) -> None:
    """``abort-on-warn`` turns ``builtins.warn`` into an error in ``instantiate``/``build`` exactly as in ``eval``."""
    expr = 'builtins.warn "careful" []'
    reference = _pydock("eval", *flags, "-E", expr, store=tmp_path / "store")
    assert reference.returncode == 1 and "careful" in reference.stderr
    ours = _pydock(command, *flags, "-E", expr, store=tmp_path / "store")
    assert (ours.returncode, ours.stderr) == (reference.returncode, reference.stderr)
    quiet = _pydock(command, "-E", expr, store=tmp_path / "store")
    assert quiet.returncode == 0 and "careful" in quiet.stderr  # without the setting it only warns
