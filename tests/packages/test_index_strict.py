"""``pydock eval --strict`` of an index package behaves as real Nix does for a derivation whose drvPath throws.

An index package has an out path but no ``.drv``, so its ``drvPath`` is a ``throw``
naming the package.  The oracle is real ``nix-instantiate --eval`` on the same
package written as a plain Nix set (same name and out path, ``drvPath = throw …``):
strict printing fails (it forces every attribute, ``drvPath`` included), ``--json``
prints the out path, ``tryEval`` catches the throw, and lazy printing succeeds.
pydock adds one ``hint:`` line saying what was forced and what to print instead.
"""

from __future__ import annotations

import pytest
from packages_support import FakeIndex, nix_env, require_tool, run

ATTR = "busybox"


def _as_plain_nix(fake: FakeIndex, attr: str) -> str:
    message = f"'{attr}' comes prebuilt from the package index and cannot be rebuilt"
    return (
        f'{{ type = "derivation"; name = "{fake.entries[attr]["name"]}"; outPath = "{fake.out(attr)}"; '
        f'drvPath = throw "{message}"; }}'
    )


@pytest.mark.parametrize(
    ("flags", "template"),
    [
        (["--strict"], "{p}"),
        (["--strict", "--json"], "{p}"),
        (["--strict", "--json"], "[ {p} ]"),
        (["--strict"], "builtins.tryEval {p}.drvPath"),
        ([], "{p}.outPath"),
    ],
)
def test_strict_printing_matches_real_nix(fake: FakeIndex, flags: list[str], template: str) -> None:
    nix = run(
        [require_tool("nix-instantiate"), "--eval", *flags, "-E", template.format(p=f"({_as_plain_nix(fake, ATTR)})")],
        nix_env(),
    )
    ours = fake.pydock(
        "eval", *flags, "--packages", str(fake.index), "-E", template.format(p=f"(import <nixpkgs> {{ }}).{ATTR}")
    )
    assert "Traceback" not in ours.stderr
    assert (ours.returncode == 0) == (nix.returncode == 0), (ours.stderr, nix.stderr)
    if nix.returncode == 0:
        assert ours.stdout == nix.stdout
    else:
        assert ours.stderr.splitlines()[0] == nix.stderr.splitlines()[0]
        hints = [line for line in ours.stderr.splitlines() if line.startswith("hint: ")]
        assert len(hints) == 1 and f"'{ATTR}.outPath'" in hints[0] and "--json" in hints[0], ours.stderr


def test_override_hint_names_the_recipe(fake: FakeIndex) -> None:
    proc = fake.pydock("eval", "--packages", str(fake.index), "-E", f"(import <nixpkgs> {{ }}).{ATTR}.override {{ }}")
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"error: '{ATTR}' comes prebuilt from the package index and cannot be rebuilt\n")
    assert proc.stderr.rstrip().splitlines()[-1].startswith("hint: overriding needs nixpkgs' recipe")
