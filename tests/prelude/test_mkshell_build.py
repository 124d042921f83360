"""mkShell built by pydock: its output records the environment, and an input's setup hook, which
pydock's stdenv cannot run, is reported in the build log (read back with real ``nix-store -l``)."""

from __future__ import annotations

from prelude_support import eval_json, nix_env, pydock, run

from nix_compat_tests.support import require_tool

EXPR = """
let
  pkgs = import <nixpkgs> { };
  hooked = pkgs.writeTextDir "nix-support/setup-hook" "export FROM_HOOK=1";
  tool = pkgs.writeScriptBin "tool" "#!/bin/sh";
in {
  shell = pkgs.mkShell { packages = [ tool hooked ]; MARK = "m"; };
  inherit hooked tool;
}
"""


def test_mkshell_output_and_setup_hook_warning(tmp_path) -> None:
    root = tmp_path / "store"
    proc = pydock("build", "--store", str(root), "--no-out-link", "--no-substitute", "-E", EXPR, "-A", "shell")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.strip()
    paths = eval_json("pydock", f"builtins.mapAttrs (_: d: d.outPath) ({EXPR})", prelude=True)
    assert isinstance(paths, dict)
    recorded = open(out).read()
    assert 'declare -x MARK="m"' in recorded
    assert f'declare -x nativeBuildInputs="{paths["tool"]} {paths["hooked"]}"' in recorded
    # The tool was on PATH during the build; the hook was not run (it would have exported FROM_HOOK).
    path_line = next(line for line in recorded.splitlines() if line.startswith("declare -x PATH="))
    assert f"{paths['tool']}/bin" in path_line
    assert "FROM_HOOK" not in recorded
    log = run([require_tool("nix-store"), "--store", f"local?root={root}", "-l", paths["shell"]], nix_env())
    assert log.returncode == 0, log.stderr
    assert log.stdout == (
        "pydock: warning: setup hook not run (pydock's stdenv has no nixpkgs setup.sh): "
        f"{paths['hooked']}/nix-support/setup-hook\n"
    )
