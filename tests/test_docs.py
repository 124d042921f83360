"""The docs keep up with the code: every dockerTools attribute, command and flag is documented,
and every example says how to run it."""

from __future__ import annotations

import functools
import json
import re
import subprocess
import sys
from pathlib import Path

import click

from pydock.cli import main

ROOT = Path(__file__).resolve().parent.parent
COMPAT = ROOT / "docs" / "dockertools-compat.md"
CLI_DOC = ROOT / "docs" / "cli.md"

# Examples of these functions come from helper nixshell's branch (pull/export/merge/nix-shell);
# the lead empties this set when merging it.
EXAMPLES_FROM_OTHER_BRANCH: set[str] = set()


@functools.cache
def docker_tools_attributes() -> list[str]:
    """What the prelude's dockerTools exports, asked through the CLI as a user would."""
    expr = "builtins.attrNames (import <nixpkgs> {}).dockerTools"
    out = subprocess.run(
        [sys.executable, "-m", "pydock.cli", "eval", "--json", "-E", expr],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    names = json.loads(out)
    assert "streamLayeredImage" in names and "buildImage" in names
    return names


def test_compat_page_mentions_every_dockertools_attribute() -> None:
    text = COMPAT.read_text()
    missing = [n for n in docker_tools_attributes() if f"`{n}" not in text]
    assert missing == []


def test_every_dockertools_function_has_an_example() -> None:
    examples = "\n".join(p.read_text() for p in (ROOT / "examples").glob("*.nix"))
    used = set(re.findall(r"dockerTools\.([A-Za-z]+)", examples))
    wanted = set(docker_tools_attributes()) - EXAMPLES_FROM_OTHER_BRANCH
    assert sorted(wanted - used) == []


def test_every_example_says_how_to_run_it() -> None:
    files = sorted((ROOT / "examples").glob("*.nix"))
    assert files
    for f in files:
        header = []
        for line in f.read_text().splitlines():
            if not line.startswith("#"):
                break
            header.append(line)
        assert any(re.search(r"\bpydock (build|eval|instantiate)\b.*" + re.escape(f.name), h) for h in header), f.name


def _commands(cmd: click.Command, path: list[str]) -> list[tuple[list[str], click.Command]]:
    found = [(path, cmd)]
    if isinstance(cmd, click.Group):  # through click's API: pydock's group imports commands lazily
        ctx = click.Context(cmd)
        for name in sorted(cmd.list_commands(ctx)):
            sub = cmd.get_command(ctx, name)
            assert sub is not None, name
            found += _commands(sub, [*path, name])
    return found


def test_cli_reference_covers_every_command_and_flag() -> None:
    text = CLI_DOC.read_text()
    missing: list[str] = []
    for path, cmd in _commands(main, ["pydock"]):
        if len(path) > 1 and f"`{' '.join(path)}" not in text:
            missing.append(" ".join(path))
        for param in cmd.params:
            if isinstance(param, click.Option) and not param.hidden:
                if not any(f"`{opt}" in text or f", `{opt}" in text or f"{opt}`" in text for opt in param.opts):
                    missing.append(f"{' '.join(path)} {param.opts[0]}")
    assert missing == []


def test_every_command_help_has_examples() -> None:
    for path, cmd in _commands(main, ["pydock"]):
        if isinstance(cmd, click.Group) and len(path) > 1:
            continue
        assert "pydock " in (cmd.help or ""), " ".join(path)
