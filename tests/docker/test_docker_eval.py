"""Evaluation-level behaviour of streamLayeredImage / buildLayeredImage: names, passthru, nixpkgs' errors."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from docker_support import EXAMPLE, pydock
from pydock.builders.images.docker_conf import iso_seconds, jq_dumps

from nix_compat_tests.support import unavailable


def eval_json(expr: str) -> object:
    proc = pydock("eval", "--strict", "--json", "-E", f"let e = import {EXAMPLE} {{ }}; in {expr}")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def eval_error(expr: str) -> str:
    proc = pydock("eval", "--strict", "-E", f"let e = import {EXAMPLE} {{ }}; in {expr}")
    assert proc.returncode != 0
    return proc.stderr


def test_untagged_image_tag_is_conf_hash_part():
    got = eval_json("{ t = e.untagged.imageTag; c = e.untagged.conf.outPath; n = e.untagged.imageName; }")
    assert got["t"] == got["c"].split("/")[-1].split("-")[0] and len(got["t"]) == 32
    assert got["c"].endswith("-Untagged-conf.json")
    assert got["n"] == "example/untagged"


def test_passthru_and_names():
    got = eval_json(
        "{ s = e.stream.name; exe = e.stream.isExe; tag = e.stream.imageTag; sc = e.stream.streamScript.name;"
        " l = e.layered.name; lt = e.layered.imageTag; ls = e.layered.stream.name; z = e.layeredZstd.name;"
        ' u = e.layeredUncompressed.name; ov = (e.stream.override { tag = "v9"; }).imageTag; }'
    )
    assert got == {
        "s": "stream-hello",
        "exe": True,
        "tag": "v1",
        "sc": "stream",
        "l": "hello.tar.gz",
        "lt": "v1",
        "ls": "stream-hello",
        "z": "hello.tar.zst",
        "u": "hello.tar",
        "ov": "v9",
    }


def test_compressor_error():
    err = eval_error('(e.layered.override { compressor = "xz"; }).drvPath')
    assert "in docker image example/hello: compressor must be one of: [gz none zstd]" in err


def test_max_layers_error():
    err = eval_error("(e.stream.override { maxLayers = 1; }).drvPath")
    assert "must be greater than 1 (current value: 1)" in err


DATES = [
    "1970-01-01T00:00:01Z",
    "1970-01-01T00:00:01+00:00",
    "2024-05-06T07:08:09.75+02:00",
    "2024-05-06T07:08:09-11:30",
    "1999-12-31T23:59:59.999999+14:00",
    "2024-02-29T23:59:59-01:00",
    "2024-05-06",
    "2024-05-06T07:08:09",
    "2024-05-06 07:08:09",
    "@0",
    "@1700000000",
]


def _gnu_date(value: str) -> subprocess.CompletedProcess:
    """The oracle: GNU ``date -Iseconds -d VALUE`` as nixpkgs' builder runs it (no TZ: UTC)."""
    date = shutil.which("date")
    if date is None:
        unavailable("GNU date (coreutils) not found")
    return subprocess.run([date, "-Iseconds", "-d", value], capture_output=True, text=True, env={"TZ": "UTC0"})


@pytest.mark.parametrize("value", DATES)
def test_iso_seconds_is_gnu_date_iseconds(value):
    proc = _gnu_date(value)
    assert proc.returncode == 0, proc.stderr
    assert iso_seconds(value) == proc.stdout.strip()


@pytest.mark.parametrize("value", ["yesterday at noon?", "2024-13-01", "2024-05-06T25:00:00"])
def test_iso_seconds_refuses_what_gnu_date_refuses(value):
    assert _gnu_date(value).returncode != 0
    with pytest.raises(ValueError, match="invalid date"):
        iso_seconds(value)


def test_iso_seconds_keeps_now():
    assert iso_seconds("now") == "now"  # nixpkgs passes "now" through to the streamer untouched


JQ_DOCUMENTS = [
    {"a": [], "b": {"c": [1, "é/"]}, "d": {}},
    {"z": 1, "a": 2, "m": {"y": None, "x": True, "w": False}},
    ["".join(chr(c) for c in range(0x20)), "\x7f", "\u2028\u2029", "\U0001f600", "quote\" back\\ slash/"],
    {"": "", "nested": [[[]], [{}], [[1, [2, [3]]]]], "neg": -42, "big": 9007199254740993},
    {"Env": ["PATH=/bin:/usr/bin", "LANG=C.UTF-8"], "ExposedPorts": {"80/tcp": {}}, "Labels": {"ünï": "cödé"}},
]


@pytest.mark.parametrize("doc", JQ_DOCUMENTS, ids=[str(i) for i in range(len(JQ_DOCUMENTS))])
def test_jq_dumps_is_jq(doc):
    """The oracle: ``jq .`` (what nixpkgs' builder pipes the conf through) on the same document."""
    jq = shutil.which("jq")
    if jq is None:
        unavailable("jq not installed (Debian package jq)")
    proc = subprocess.run([jq, "."], input=json.dumps(doc), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert jq_dumps(doc) == proc.stdout


def test_jq_numbers_are_jq():
    """Numbers as jq 1.6 prints them (doubles: big integers round; g_fmt layout), 400 seeded values."""
    import random

    jq = shutil.which("jq")
    if jq is None:
        unavailable("jq not installed (Debian package jq)")
    rng = random.Random(1406)
    values = [0, -0.0, 2**53 + 1, -(2**63), 2**63 - 1]
    for _ in range(200):
        values.append(rng.randint(-(2**63), 2**63 - 1) >> rng.randint(0, 62))
        values.append(rng.uniform(-1, 1) * 10 ** rng.randint(-30, 30))
    doc = {"n": values}
    proc = subprocess.run([jq, "."], input=json.dumps(doc), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert jq_dumps(doc) == proc.stdout
