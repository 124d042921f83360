"""The ``docker-layer-json`` builtin builder: the directory nixpkgs' ``mkPureLayer``/``mkRootLayer`` produce.

``$out/layer.tar`` (the layer built by buildImage's layer step), ``$out/json``
(``baseJson`` with the layer's TarSum appended as ``checksum``, printed as
``jshon`` prints) and ``$out/VERSION`` (``1.0``, no newline).
"""

from __future__ import annotations

import json
import os
import shutil

from pydock.builders.images.docker_build_image import jshon_dumps, tarsum
from pydock.builders.realisation.builtin_builders import BuildContext, builtin_builder
from pydock.builders.realisation.environment import BuildError

__all__ = ["docker_layer_json"]


@builtin_builder("docker-layer-json")
def docker_layer_json(drv, ctx: BuildContext) -> None:
    layer_tar = os.path.join(ctx.real_path(ctx.env["layer"]), "layer.tar")
    try:
        with open(ctx.real_path(ctx.env["baseJson"]), encoding="utf-8") as f:
            base = json.load(f)
    except (OSError, ValueError) as e:
        raise BuildError(f"baseJson: {e}") from None
    if not isinstance(base, dict):
        raise BuildError("baseJson must hold a JSON object")
    out = ctx.outputs["out"]
    os.mkdir(out)
    shutil.copyfile(layer_tar, os.path.join(out, "layer.tar"))
    base["checksum"] = tarsum(layer_tar)
    with open(os.path.join(out, "json"), "w", encoding="utf-8") as f:
        f.write(jshon_dumps(base))
    with open(os.path.join(out, "VERSION"), "w", encoding="utf-8") as f:
        f.write("1.0")
