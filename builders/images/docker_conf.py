"""The ``docker-conf`` builtin builder: the ``<name>-conf.json`` of ``streamLayeredImage``.

nixpkgs computes this file in two derivations (``auto-layer.py`` or the layering
pipeline writing ``layers.json``, then a jq script).  pydock does both steps here,
from the same inputs: the structured attributes of the derivation, whose
``exportReferencesGraph.graph`` gives the closure of the base JSON and the
customisation layer (path, narSize, references).  The result must be the bytes jq
writes, because the conf is a store path that image tags and streams refer to:
2-space indentation, a trailing newline, and the key order of nixpkgs' jq program.
"""

from __future__ import annotations

import json
import math
import os
import tarfile
from datetime import UTC, datetime
from typing import Any

from pydock.builders.images.layering import auto_layer, available_layers, flatten_references_graph
from pydock.builders.realisation.builtin_builders import BuildContext, builtin_builder

__all__ = ["base_layer_count", "conf_document", "docker_conf", "iso_seconds", "jq_dumps"]


def iso_seconds(value: str) -> str:
    """``date -Iseconds -d VALUE`` with TZ unset: UTC, whole seconds, ``+00:00``; ``"now"`` stays as it is."""
    if value == "now":
        return value
    if value.startswith("@"):
        stamp = datetime.fromtimestamp(int(value[1:]), tz=UTC)
    else:
        try:
            stamp = datetime.fromisoformat(value)
        except ValueError as e:
            raise ValueError(f"date: invalid date '{value}'") from e
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.astimezone(UTC).isoformat(timespec="seconds")


def jq_dumps(value: Any) -> str:
    """jq 1.6's default pretty printer (2 spaces, UTF-8 kept raw) followed by the newline ``tee`` keeps."""
    return _jq_value(value, 0) + "\n"


def _jq_value(value: Any, depth: int) -> str:
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = "  " * (depth + 1)
        items = (f"{inner}{_jq_string(k)}: {_jq_value(v, depth + 1)}" for k, v in value.items())
        return "{\n" + ",\n".join(items) + "\n" + "  " * depth + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        inner = "  " * (depth + 1)
        return "[\n" + ",\n".join(inner + _jq_value(v, depth + 1) for v in value) + "\n" + "  " * depth + "]"
    if isinstance(value, str):
        return _jq_string(value)
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, int | float):
        return jq_number(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


def _jq_string(s: str) -> str:
    return json.dumps(s, ensure_ascii=False).replace("\x7f", "\\u007f")


def jq_number(value: float) -> str:
    """A number as jq 1.6 prints it: a double (so big integers round), in David Gay's ``g_fmt``
    layout with shortest round-trip digits: exponent form when the decimal point lies more than
    15 places past the digits or 4 before them (``1e+16``, ``1e-05``), else plain (``0.0001``)."""
    d = float(value)
    if d == 0:
        return "-0" if math.copysign(1.0, d) < 0 else "0"
    sign = "-" if d < 0 else ""
    mantissa, _, exp = repr(abs(d)).partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = whole + frac
    point = len(whole) + (int(exp) if exp else 0)  # decimal point position within `digits`
    stripped = digits.lstrip("0")
    point -= len(digits) - len(stripped)
    digits = stripped.rstrip("0")
    if point <= -4 or point > len(digits) + 15:
        rest = f".{digits[1:]}" if len(digits) > 1 else ""
        return f"{sign}{digits[0]}{rest}e{point - 1:+03d}"
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return sign + digits + "0" * (point - len(digits))
    return f"{sign}{digits[:point]}.{digits[point:]}"


def base_layer_count(path: str) -> int:
    """How many layers the base image's first manifest entry lists (transparent gzip/bzip2/xz)."""
    with tarfile.open(path) as tar:
        member = tar.extractfile("manifest.json")
        if member is None:
            raise ValueError(f"'{path}' has no manifest.json")
        return len(json.load(member)[0]["Layers"])


def conf_document(attrs: dict[str, Any], out_path: str, store_layers: list[list[str]]) -> dict[str, Any]:
    """The conf object: the base JSON's keys, then nixpkgs' jq additions in their order."""
    tag = attrs.get("tag")
    image_tag = tag if tag is not None else os.path.basename(out_path).split("-", 1)[0]
    return {
        "store_dir": attrs["storeDir"],
        "from_image": attrs.get("fromImage"),
        "store_layers": store_layers,
        "customisation_layer": attrs["customisationLayer"],
        "repo_tag": f"{attrs['imageName']}:{image_tag}",
        "created": iso_seconds(attrs["created"]),
        "mtime": iso_seconds(attrs["mtime"]),
        "uid": str(attrs["uid"]),
        "gid": str(attrs["gid"]),
        "uname": attrs["uname"],
        "gname": attrs["gname"],
    }


def _layers(attrs: dict[str, Any], ctx: BuildContext) -> list[list[str]]:
    """``layers.json``: auto-layer within maxLayers (minus base and customisation layers), or the pipeline."""
    graph = attrs.get("graph") or []
    exclude = attrs.get("excludePaths") or []
    pipeline = attrs.get("layeringPipeline")
    if pipeline is not None:
        return flatten_references_graph(graph, pipeline, exclude) if graph else []
    from_image = attrs.get("fromImage")
    base = base_layer_count(_physical(ctx, from_image)) if from_image is not None else 0
    return auto_layer(graph, exclude, available_layers(int(attrs["maxLayers"]), base))


def _physical(ctx: BuildContext, path: str) -> str:
    return ctx.real_path(path) if ctx.store.store_dir.is_in_store(path) else path


@builtin_builder("docker-conf")
def docker_conf(drv, ctx: BuildContext) -> None:
    with open(ctx.env["NIX_ATTRS_JSON_FILE"], encoding="utf-8") as f:
        attrs = json.load(f)
    with open(ctx.real_path(attrs["baseJson"]), encoding="utf-8") as f:
        conf: dict[str, Any] = json.load(f)  # key order as builtins.toJSON wrote it (sorted)
    layers = _layers(attrs, ctx)
    if attrs.get("debug"):
        for i, layer in enumerate(layers, start=1):
            ctx.log(f"layer {i}: {layer}")
    conf.update(conf_document(attrs, ctx.output_paths["out"], layers))
    with open(ctx.outputs["out"], "w", encoding="utf-8") as f:
        f.write(jq_dumps(conf))
