"""What pydock prints where: --version, progress on a terminal only, -v in pipes, --quiet everywhere."""

from __future__ import annotations

import importlib.metadata
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pydock import progress

BUILD = """derivation {
  name = "chatty"; system = builtins.currentSystem; builder = "/bin/sh";
  args = [ "-c" "echo working on it; echo done > $out" ];
}"""


def run(*args: str, tty: bool = False) -> tuple[int, str, str]:
    """Run pydock with its stdout/stderr a pipe, or (``tty``) both on one pseudo-terminal."""
    cmd = [sys.executable, "-m", "pydock.cli", *args]
    env = {k: v for k, v in os.environ.items() if not k.startswith("NIX_")}
    env["NIX_CONFIG"] = "substituters ="
    if not tty:
        p = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        return p.returncode, p.stdout, p.stderr
    master, slave = os.openpty()
    proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return proc.wait(), b"".join(chunks).decode(), ""


def test_version() -> None:
    code, out, err = run("--version")
    assert (code, out, err) == (0, f"pydock {importlib.metadata.version('pydock')}\n", "")


@pytest.mark.usefixtures("sandbox")
def test_builder_output_on_a_terminal_with_v_and_never_with_quiet(tmp_path: Path) -> None:
    expr = tmp_path / "chatty.nix"
    expr.write_text(BUILD)
    common = ["build", "--no-out-link", str(expr)]
    code, out, _ = run(*common, "--store", str(tmp_path / "s1"), tty=True)
    assert code == 0 and "building '" in out and "working on it" in out
    code, out, err = run(*common, "--store", str(tmp_path / "s2"))
    assert code == 0 and err == "" and out.endswith("-chatty\n")
    code, out, err = run("-v", *common, "--store", str(tmp_path / "s3"))
    assert code == 0 and "working on it\n" in err and out.endswith("-chatty\n")
    code, out, _ = run(*common, "--quiet", "--store", str(tmp_path / "s4"), tty=True)
    assert code == 0 and "working on it" not in out and "building" not in out
    assert out.strip().endswith("-chatty")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def restore_switches() -> None:
    yield
    progress._quiet, progress._verbosity = False, 0


def test_progress_line_draws_on_a_terminal_only(restore_switches: None) -> None:
    term = _Terminal()
    with progress.Task("hashing layer", total_bytes=4 * 2**20, stream=term) as bar:
        bar.advance(2 * 2**20)
        bar.render()
        assert bar.line().startswith("hashing layer  2.0 MiB/4.0 MiB  ")
        assert bar.line().endswith(" MB/s")
    assert term.getvalue().startswith("\r\033[Khashing layer  2.0 MiB/4.0 MiB")
    assert term.getvalue().endswith("\r\033[K")  # the line is erased when done

    pipe = io.StringIO()
    with progress.Task("hashing layer", stream=pipe) as bar:
        bar.advance(10)
        bar.render()
    assert pipe.getvalue() == ""

    progress.configure(quiet=True)
    term = _Terminal()
    with progress.Task("hashing layer", stream=term) as bar:
        bar.advance(10)
        bar.render()
    assert term.getvalue() == "" and progress.verbosity() == -1
