"""dockerTools.mergeDrvs, shellScript, mkPureLayer and mkRootLayer built by pydock."""

from __future__ import annotations

import json
import os
import tarfile
from pathlib import Path

from docker_support import host_shell, pydock

from nix_compat_tests.support import unavailable

PRELUDE = "let pkgs = import <nixpkgs> { }; inherit (pkgs) dockerTools writeTextDir writeText; in "
BASE_JSON = (
    'writeText "base.json" (builtins.toJSON { architecture = "amd64"; os = "linux"; config.Cmd = [ "/bin/sh" ]; })'
)


def build(tmp_path: Path, expr: str, *extra: str) -> Path:
    proc = pydock("build", "--store", str(tmp_path / "store"), "--no-out-link", *extra, "-E", PRELUDE + expr)
    if proc.returncode != 0 and "namespaces" in proc.stderr:
        unavailable(proc.stderr[-300:])
    assert proc.returncode == 0, proc.stderr
    return Path(proc.stdout.strip())


def logical(tmp_path: Path, expr: str) -> str:
    proc = pydock("eval", "--strict", "--json", "-E", PRELUDE + expr)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_merge_drvs_copies_directories(tmp_path):
    out = build(tmp_path, 'dockerTools.mergeDrvs { derivations = [ (writeTextDir "a/one" "1\\n")'
                          ' (writeTextDir "b/two" "2\\n") (writeText "plain" "x") ]; }')  # fmt: skip
    assert (out / "a" / "one").read_text() == "1\n" and (out / "b" / "two").read_text() == "2\n"
    assert sorted(os.listdir(out)) == ["a", "b"]


def test_merge_drvs_only_deps_lists_them(tmp_path):
    drvs = '[ (writeTextDir "a/one" "1\\n") (writeTextDir "b/two" "2\\n") ]'
    out = build(tmp_path, f"dockerTools.mergeDrvs {{ derivations = {drvs}; onlyDeps = true; }}")
    paths = logical(tmp_path, f"map (d: d.outPath) {drvs}")
    assert out.read_text() == " ".join(paths) + "\n"


def test_shell_script_needs_coreutils(tmp_path):
    proc = pydock("build", "--store", str(tmp_path / "store"), "--no-out-link", "-E",
                  PRELUDE + 'dockerTools.shellScript "s.sh" "echo hi"')  # fmt: skip
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "dockerTools.shellScript needs the package 'coreutils'" in proc.stderr


def test_shell_script_with_coreutils_from_an_overlay(tmp_path):
    overlay = '(self: super: { coreutils = super.writeTextDir "bin/env" ""; })'
    expr = f'let p = import <nixpkgs> {{ overlays = [ {overlay} ]; }}; in p.dockerTools.shellScript "s.sh" "echo hi"'
    proc = pydock("build", "--store", str(tmp_path / "store"), "--no-out-link", "-E", expr)
    assert proc.returncode == 0, proc.stderr
    out = Path(proc.stdout.strip())
    coreutils = pydock("eval", "--json", "-E", 'let p = import <nixpkgs> { overlays = [ (self: super: { coreutils ='
                       ' super.writeTextDir "bin/env" ""; }) ]; }; in p.coreutils.outPath')  # fmt: skip
    lines = out.read_text().splitlines()
    assert lines[1:] == ["set -e", f"export PATH={json.loads(coreutils.stdout)}/bin:/bin", "echo hi"]
    assert lines[0].startswith("#!/") and os.access(out, os.X_OK)


def test_mk_pure_layer_has_nixpkgs_layout(tmp_path):
    layer = (
        f'dockerTools.mkPureLayer {{ name = "pure"; baseJson = {BASE_JSON};'
        ' copyToRoot = [ (writeTextDir "etc/x" "x\\n") ]; extraCommands = "mkdir tmp"; uid = 7; }'
    )
    out = build(tmp_path, layer)
    assert out.name.endswith("-docker-layer-pure") and sorted(os.listdir(out)) == ["VERSION", "json", "layer.tar"]
    assert (out / "VERSION").read_bytes() == b"1.0"
    doc = json.loads((out / "json").read_text())
    assert list(doc) == ["architecture", "config", "os", "checksum"] and doc["config"] == {"Cmd": ["/bin/sh"]}
    assert doc["checksum"].startswith("tarsum.v1+sha256:")
    with tarfile.open(out / "layer.tar") as tar:
        assert tar.extractfile("./etc/x").read() == b"x\n"  # type: ignore[union-attr]
        assert tar.getmember("./tmp").isdir() and tar.getmember("./etc/x").uid == 7


def test_mk_root_layer_runs_as_root(tmp_path):
    if not host_shell(tmp_path / "shell", tools=("mkdir",)):
        unavailable("no host dash to put in the layer (runAsRoot needs a shell)")
    shell = f'(builtins.path {{ path = {tmp_path / "shell"}; name = "host-shell"; }})'
    out = build(tmp_path, f'dockerTools.mkRootLayer {{ name = "root"; baseJson = {BASE_JSON}; copyToRoot = {shell};'
                          ' runAsRoot = "mkdir /made-by-root"; }')  # fmt: skip
    assert out.name.endswith("-docker-layer-root") and (out / "VERSION").read_bytes() == b"1.0"
    with tarfile.open(out / "layer.tar") as tar:
        assert tar.getmember("./made-by-root").isdir()
