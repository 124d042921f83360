"""Index shapes nix-env gives for real nixpkgs but the fake one lacks: evaluation only.

The entries name store paths that need not exist (evaluation never reads them);
what is checked is how the attribute paths turn into nested sets next to the
prelude's own ones.
"""

from __future__ import annotations

import json
from pathlib import Path

from packages_support import FakeIndex

STORE = "/nix/store/"


def path(name: str) -> str:
    return f"{STORE}{'0' * 32}-{name}"


def entry(name: str, outputs: list[str], default: str) -> dict:
    return {
        "name": name,
        "pname": name.rsplit("-", 1)[0],
        "version": name.rsplit("-", 1)[1],
        "system": "x86_64-linux",
        "outputName": default,
        "outputs": {o: path(name if o == "out" else f"{name}-{o}") for o in sorted(outputs)},
        "meta": {},
    }


INDEX = {
    "curl": entry("curl-8.4.0", ["bin", "dev", "out", "man"], "bin"),
    "pkgsCross.aarch64-multiplatform.hello": entry("hello-aarch64-unknown-linux-gnu-2.12", ["out"], "out"),
    "pkgsMusl.hello": entry("hello-2.12", ["out"], "out"),
    "gcc": entry("gcc-wrapper-13.2.0", ["out", "man"], "out"),
    "gcc.cc": entry("gcc-13.2.0", ["out", "lib"], "out"),
    "dockerTools.examples.redis": entry("docker-image-redis.tar.gz-1", ["out"], "out"),
}


def eval_json(fake: FakeIndex, tmp_path: Path, expr: str) -> object:
    index = tmp_path / "index.json"
    index.write_text(json.dumps(INDEX))
    proc = fake.pydock("eval", "--strict", "--json", "--packages", str(index), "-E", expr)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_default_output_first(fake: FakeIndex, tmp_path: Path) -> None:
    got = eval_json(
        fake,
        tmp_path,
        'with import <nixpkgs> { }; [ curl.outputs curl.outputName curl.outPath "${curl}" '
        "curl.out.outPath (lib.getDev curl).outPath ]",
    )
    outs = INDEX["curl"]["outputs"]
    assert got == [["bin", "dev", "man", "out"], "bin", outs["bin"], outs["bin"], outs["out"], outs["dev"]]


def test_cross_and_musl_sets(fake: FakeIndex, tmp_path: Path) -> None:
    got = eval_json(
        fake,
        tmp_path,
        "with import <nixpkgs> { }; [ pkgsCross.aarch64-multiplatform.hello.name pkgsMusl.hello.outPath "
        "(builtins.isFunction pkgsMusl.writeText) (builtins.attrNames pkgsCross) ]",
    )
    assert got == [
        INDEX["pkgsCross.aarch64-multiplatform.hello"]["name"],
        INDEX["pkgsMusl.hello"]["outputs"]["out"],
        True,
        ["aarch64-multiplatform"],
    ]


def test_package_with_nested_entries_and_prelude_sets_win(fake: FakeIndex, tmp_path: Path) -> None:
    got = eval_json(
        fake,
        tmp_path,
        "with import <nixpkgs> { }; [ gcc.outPath gcc.cc.lib.outPath gcc.man.cc.outPath "
        "dockerTools.examples.redis.name (dockerTools ? streamLayeredImage) ]",
    )
    assert got == [
        INDEX["gcc"]["outputs"]["out"],
        INDEX["gcc.cc"]["outputs"]["lib"],
        INDEX["gcc.cc"]["outputs"]["out"],
        INDEX["dockerTools.examples.redis"]["name"],
        True,
    ]
