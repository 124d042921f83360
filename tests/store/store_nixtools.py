"""Helpers for running real Nix in the pydock.store differential tests.

Kept out of ``conftest.py`` under a unique module name so test modules can import
the helper types directly (``conftest`` itself is not reliably importable when
several test directories each have one).
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_NIX_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "$": "\\$", "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def nix_str(s: str) -> str:
    """A Nix double-quoted string literal denoting exactly ``s`` (JSON escapes differ)."""
    return '"' + s.translate(_NIX_ESCAPES) + '"'


class NixFailed(Exception):
    """A Nix command exited non-zero; carries its stderr for message comparisons."""

    def __init__(self, args: list[str], stderr: str) -> None:
        super().__init__(f"{' '.join(args)} failed:\n{stderr}")
        self.stderr = stderr

    @property
    def error(self) -> str:
        """The message after Nix's ``error: `` prefix.

        Nix indents continuation lines of a multi-line message to line up with the
        prefix, and may append unindented hints ("Try ... --help"); the former are
        re-joined, the latter dropped.
        """
        _, sep, rest = self.stderr.partition("error: ")
        if not sep:
            return self.stderr.strip()
        first, *more = rest.split("\n")
        lines = [first]
        for line in more:
            if not line.startswith(" " * 7):
                break
            lines.append(line[7:])
        return "\n".join(lines).rstrip()


@dataclass
class Nix:
    """Runs Nix commands against one private store root (logical store dir configurable)."""

    bins: dict[str, str]
    root: Path
    store_dir: str = "/nix/store"

    @property
    def store_uri(self) -> str:
        uri = f"local?root={self.root}"
        if self.store_dir != "/nix/store":
            uri += f"&store={self.store_dir}"
        return uri

    def run(self, tool: str, *args: str, stdin: bytes | None = None) -> bytes:
        """Run a Nix tool, returning stdout bytes; raise ``NixFailed`` on a non-zero exit."""
        cmd = [self.bins[tool], *args]
        env = {k: v for k, v in os.environ.items() if not k.startswith("NIX_")}
        proc = subprocess.run(cmd, input=stdin, capture_output=True, env=env, check=False)
        if proc.returncode != 0:
            raise NixFailed(cmd, proc.stderr.decode("utf-8", "replace"))
        return proc.stdout

    def lines(self, tool: str, *args: str) -> list[str]:
        return self.run(tool, *args).decode().splitlines()

    def nix3(self, *args: str) -> list[str]:
        """The new-style ``nix`` CLI (experimental in 2.8, so the feature is enabled)."""
        return self.lines("nix", "--extra-experimental-features", "nix-command", *args)

    def store(self, *args: str) -> bytes:
        """``nix-store --store <private> ...``."""
        return self.run("nix-store", "--store", self.store_uri, *args)

    def eval_json(self, expr: str, *extra: str) -> Any:
        """Evaluate ``expr`` strictly to JSON, letting it write to the private store."""
        out = self.run(
            "nix-instantiate", "--store", self.store_uri, *extra,
            "--eval", "--read-write-mode", "--strict", "--json", "-E", expr,
        )  # fmt: skip
        return json.loads(out)

    def instantiate(self, expr: str, *extra: str) -> list[str]:
        """``nix-instantiate -E expr``: the ``.drv`` paths written to the private store."""
        out = self.run("nix-instantiate", "--store", self.store_uri, *extra, "-E", expr)
        return out.decode().split()

    def real(self, store_path: str) -> Path:
        """Where a logical store path physically lives under the private root."""
        rel = os.path.relpath(store_path, self.store_dir)
        return self.root / "nix" / "store" / rel


def make_writable(root: Path) -> None:
    """Nix leaves store paths read-only; restore write bits so pytest can clean up."""
    for dirpath, dirnames, _ in os.walk(root):
        for d in dirnames:
            p = os.path.join(dirpath, d)
            if not os.path.islink(p):
                os.chmod(p, 0o755)
    os.chmod(root, 0o755)


TRICKY_NAMES = [
    "a", "A", "a.b", "a-b", "a_b", "ab", "b", "Z", "z", "~", "0", "10", "9", "-", "ä", "é", "ü.x",
    "new\nline", "sp ace", "tab\there", "\u2603",
]  # fmt: skip


def write_file(p: Path, data: bytes, mode: int = 0o644) -> None:
    """Create ``p`` with ``data`` and an explicit mode (independent of the umask)."""
    p.write_bytes(data)
    p.chmod(mode)


def make_tree(root: Path) -> Path:
    """A tree exercising every node type, padding boundaries and name ordering."""
    root.mkdir()
    for i, name in enumerate(TRICKY_NAMES):
        write_file(root / name, name.encode() * i, 0o755 if i % 3 == 0 else 0o644)
    for size in (0, 1, 7, 8, 9, 15, 16, 17, 65535, 65536, 65537, 200_001):
        write_file(root / f"size-{size}", os.urandom(size))
    write_file(root / "exec-empty", b"", 0o755)
    write_file(root / "group-exec-only", b"#!/bin/sh\n", 0o654)  # only u+x matters to NAR
    (root / "empty-dir").mkdir()
    nested = root / "d1" / "d2" / "d3"
    nested.mkdir(parents=True)
    write_file(nested / "deep", b"deep\n")
    (root / "d1" / "empty").mkdir()
    (root / "link-rel").symlink_to("d1/d2")
    (root / "link-abs").symlink_to("/nonexistent/target with spaces")
    (root / "link-dangling").symlink_to("missing")
    (root / "d1" / "link-up").symlink_to("../a")
    (root / "link-long").symlink_to("x" * 300)
    os.mkdir(os.fsencode(root) + b"/raw-\xff-name")
    with open(os.fsencode(root) + b"/raw-\xff-name/\xfe", "wb") as f:
        f.write(b"non-utf8 names\n")
    return root
