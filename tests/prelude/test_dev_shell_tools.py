"""devShellTools against the environment real Nix gives a builder.

``devShellTools.unstructuredDerivationInputEnv`` and ``derivationOutputEnv`` compute, in Nix
code, the variables Nix sets for a derivation's builder.  The oracle is real Nix itself:
``nix-build`` runs a plain ``derivation`` (strings, numbers, booleans, null, lists with
nested lists, path literals, another derivation, two outputs, ``passAsFile``) whose builder
dumps its environment with ``busybox env -0``; pydock evaluates devShellTools on the same
derivation.  Every variable that comes from an attribute must be there with the same value,
and no other; the ``passAsFile`` attribute's file must hold what Nix's file held.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from prelude_support import pydock, run

from nix_compat_tests.support import require_tool

PROBE = """
let
  system = builtins.currentSystem;
  dep = derivation {
    name = "dev-shell-tools-dep";
    inherit system;
    builder = "/bin/busybox";
    args = [ "sh" "-c" "/bin/busybox echo dep > $out" ];
  };
in
derivation {
  name = "dev-shell-tools-probe";
  inherit system;
  builder = "/bin/busybox";
  args = [ "sh" "-c" "/bin/busybox env -0 > $out; /bin/busybox cat \\"$notesPath\\" > $dev" ];
  outputs = [ "out" "dev" ];
  str = "a b";
  multiLine = "one\\ntwo=three\\n";
  int = 42;
  negative = -7;
  float = 1.5;
  yes = true;
  no = false;
  nothing = null;
  list = [ "x" 1 true false null ./file.txt dep [ "nested" 2 ] ];
  emptyList = [ ];
  path = ./file.txt;
  inherit dep;
  passAsFile = [ "notes" ];
  notes = "passed\\nas a file";
}
"""

# Variables Nix's builder gets that no attribute gave, and what busybox sh adds.
NOT_FROM_ATTRIBUTES = {
    "HOME", "PATH", "NIX_BUILD_TOP", "TMPDIR", "TEMPDIR", "TMP", "TEMP", "PWD", "NIX_STORE", "NIX_BUILD_CORES",
    "NIX_LOG_FD", "TERM", "SHLVL", "notesPath",
}  # fmt: skip


def nix_build_env() -> dict[str, str]:
    """Real Nix building in /nix/store (as the package-index fixtures do): no substituters, no sandbox."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NIX_")}
    env["NIX_CONFIG"] = "substituters =\nsandbox = false"
    return env


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not os.path.exists("/bin/busybox"):
        require_tool("busybox", package="busybox-static")  # Debian's busybox-static: skips, or fails under CI=true
    work = tmp_path_factory.mktemp("dev-shell-tools")
    (work / "file.txt").write_text("a file\n")
    (work / "probe.nix").write_text(PROBE)
    return work / "probe.nix"


def test_derivation_env_matches_the_builders_environment(probe: Path) -> None:
    nix_build = require_tool("nix-build")
    proc = run([nix_build, "--no-out-link", str(probe), "-A", "out", "-A", "dev"], nix_build_env())
    assert proc.returncode == 0, proc.stderr
    out, dev = proc.stdout.split()
    real = dict(item.split("=", 1) for item in Path(out).read_text().split("\0") if item)

    expr = f"""
      let
        pkgs = import <nixpkgs> {{ }};
        d = import {probe};
        tools = pkgs.devShellTools;
      in
        tools.unstructuredDerivationInputEnv {{ inherit (d) drvAttrs; }}
        // tools.derivationOutputEnv {{ outputList = d.outputs; outputMap = d; }}
    """
    got = pydock("eval", "--strict", "--json", "-E", expr)
    assert got.returncode == 0, got.stderr
    computed = json.loads(got.stdout)

    from_attributes = {k: v for k, v in real.items() if k not in NOT_FROM_ATTRIBUTES}
    assert {k: v for k, v in computed.items() if k != "notesPath"} == from_attributes
    assert computed["list"].endswith(" nested 2") and "/nix/store/" in computed["path"]  # the cases did occur

    # `notesPath` is a store file here (a temporary one for Nix); same contents.
    assert Path(dev).read_text() == "passed\nas a file"
    file_drv = f"""
      let pkgs = import <nixpkgs> {{ }}; d = import {probe}; in
      pkgs.writeText "shell-passAsFile-notes" (pkgs.devShellTools.valueToString d.drvAttrs.notes)
    """
    proc = pydock("eval", "--json", "-E", f"({file_drv}).outPath")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == computed["notesPath"]
