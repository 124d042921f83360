"""streamNixShellImage's refusals: the same errors under pydock and real Nix (evaluating the prelude)."""

from __future__ import annotations

import pytest
from prelude_support import PRELUDE, nix_env, pydock, run

from nix_compat_tests.support import require_tool

CASES = {
    "command-and-run": '(p.dockerTools.streamNixShellImage { drv = p.mkShell { }; command = "a"; run = "b"; })',
    "structured-attrs": "(p.dockerTools.streamNixShellImage { drv = p.mkShell { __structuredAttrs = true; }; })",
    "no-bash": "(p.dockerTools.streamNixShellImage { drv = p.mkShell { }; })",
    "no-cacert": '(p.dockerTools.streamNixShellImage { drv = p.mkShell { }; shell = "/bin/sh"; })',
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_same_error_as_real_nix(case: str) -> None:
    expr = f"let p = import <nixpkgs> {{ }}; in {CASES[case]}.drvPath"
    ours = pydock("eval", "-E", expr)
    nix = run([require_tool("nix-instantiate"), "-I", f"nixpkgs={PRELUDE}", "--eval", "-E", expr], nix_env())
    assert ours.returncode == 1 and nix.returncode == 1, (ours.stderr, nix.stderr)
    assert "Traceback" not in ours.stderr
    assert ours.stderr.splitlines()[0] == nix.stderr.splitlines()[0]
    first = ours.stderr.splitlines()[0]
    expected = {
        "command-and-run": "Can't specify both command and run",
        "structured-attrs": "because it uses __structuredAttrs",
        "no-bash": "needs the package 'bash'",
        "no-cacert": "needs the package 'cacert'",
    }[case]
    assert first.startswith("error: ") and expected in first
