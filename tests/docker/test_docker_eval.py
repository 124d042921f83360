"""Evaluation-level behaviour of streamLayeredImage / buildLayeredImage: names, passthru, nixpkgs' errors."""

from __future__ import annotations

import json

from docker_support import EXAMPLE, pydock
from pydock.builders.docker_conf import iso_seconds, jq_dumps


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


def test_iso_seconds_is_gnu_date_iseconds():
    assert iso_seconds("1970-01-01T00:00:01Z") == "1970-01-01T00:00:01+00:00"
    assert iso_seconds("2024-05-06T07:08:09.75+02:00") == "2024-05-06T05:08:09+00:00"
    assert iso_seconds("2024-05-06") == "2024-05-06T00:00:00+00:00"
    assert iso_seconds("now") == "now"


def test_jq_dumps_layout():
    assert jq_dumps({"a": [], "b": {"c": [1, "é/"]}, "d": {}}) == (
        '{\n  "a": [],\n  "b": {\n    "c": [\n      1,\n      "é/"\n    ]\n  },\n  "d": {}\n}\n'
    )
