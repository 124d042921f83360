"""The prelude uses index packages as nixpkgs does (runtimeShell, stdenv.shell, dockerTools helpers).

Oracle: real Nix evaluates a copy of the prelude whose ``package-index.nix``
gives the same packages as ``builtins.storePath`` values (the plain store paths
real Nix has). Every derivation that uses them must get the same ``drvPath``
from pydock with ``--packages``: the packages enter both as prebuilt input
sources.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from packages_support import REPO, FakeIndex, nix_env, run

from nix_compat_tests.support import require_tool

PACKAGES = ["bash", "bashInteractive", "coreutils", "cacert", "shadow"]

PROBE = """
let
  pkgs = import <nixpkgs> { };
  d = pkgs.dockerTools;
in with pkgs; {
  strings = [ runtimeShell stdenv.shell d.shadowSetup stdenv.shellDryRun ];
  drvs = map (x: x.drvPath) [
    (writeShellScript "hello" "echo hi")
    (writeShellScriptBin "hello" "echo hi")
    (writeShellApplication { name = "app"; runtimeInputs = [ coreutils ]; text = "env"; })
    (runCommand "plain" { } "echo > $out")
    d.binSh d.usrBinEnv d.caCertificates
    (d.streamLayeredImage { name = "img"; tag = "t"; contents = [ d.binSh d.usrBinEnv ]; config.Cmd = [ "/bin/sh" ]; })
    (d.buildImage { name = "base"; tag = "t"; copyToRoot = [ d.binSh ]; runAsRoot = d.shadowSetup; })
  ];
}
"""


def oracle_prelude(fake: FakeIndex, dest: Path) -> Path:
    """The prelude with a package-index.nix that gives the fake packages through builtins.storePath."""
    shutil.copytree(REPO / "evaluator" / "prelude", dest)
    entries = "\n".join(f'    {name} = pkg "{fake.entries[name]["name"]}" "{fake.out(name)}";' for name in PACKAGES)
    (dest / "package-index.nix").write_text(
        "let\n"
        '  pkg = name: path: { type = "derivation"; inherit name; outPath = builtins.storePath path; '
        'outputName = "out"; };\n'
        f"  packages = {{\n{entries}\n  }};\n"
        "in { inherit packages; fill = pkgs: packages // pkgs; file = null; }\n"
    )
    return dest


def test_prelude_uses_index_packages_like_real_nix(fake: FakeIndex, tmp_path: Path) -> None:
    prelude = oracle_prelude(fake, tmp_path / "prelude")
    nix = run(
        [require_tool("nix-instantiate"), "-I", f"nixpkgs={prelude}", "--eval", "--strict", "--json", "-E", PROBE],
        nix_env(),
    )
    assert nix.returncode == 0, nix.stderr
    ours = fake.pydock("eval", "--strict", "--json", "--packages", str(fake.index), "-E", PROBE)
    assert ours.returncode == 0, ours.stderr
    expected = json.loads(nix.stdout)
    assert json.loads(ours.stdout) == expected
    bash = fake.out("bash")
    assert expected["strings"][:2] == [f"{bash}/bin/bash"] * 2
    assert f"export PATH={fake.out('shadow')}/bin:$PATH" in expected["strings"][2]


def without_packages(probe: str) -> str:
    """The probe without the parts that need packages (the prelude alone has none)."""
    for part, replacement in [
        ("runtimeInputs = [ coreutils ]; ", ""),
        ("d.binSh d.usrBinEnv d.caCertificates", ""),
        ("contents = [ d.binSh d.usrBinEnv ]; ", ""),
        ("copyToRoot = [ d.binSh ]; runAsRoot = d.shadowSetup; ", ""),
        ("d.shadowSetup", '""'),
    ]:
        assert part in probe
        probe = probe.replace(part, replacement)
    return probe


def test_without_index_the_prelude_is_what_real_nix_evaluates(fake: FakeIndex) -> None:
    """No index: the prelude's own package-index.nix (empty) is used, exactly as real Nix reads it."""
    probe = without_packages(PROBE)
    prelude = REPO / "evaluator" / "prelude"
    nix = run(
        [require_tool("nix-instantiate"), "-I", f"nixpkgs={prelude}", "--eval", "--strict", "--json", "-E", probe],
        nix_env(),
    )
    assert nix.returncode == 0, nix.stderr
    expected = json.loads(nix.stdout)
    assert expected["strings"][:2] == ["/bin/bash", "/bin/bash"]
    ours = fake.pydock("eval", "--strict", "--json", "-E", probe)
    assert ours.returncode == 0, ours.stderr
    assert json.loads(ours.stdout) == expected
