"""The image a dockerTools derivation stands for, opened without writing an image tar where possible.

* ``streamLayeredImage`` (builder ``docker-stream``) and ``buildLayeredImage``
  (``docker-stream-to-file``): only the conf derivation is realised (it depends
  on every store path, the customisation layer and the base image); the layers
  are then produced from the store by :func:`image_from_conf`, so neither the
  stream's tar nor buildLayeredImage's compressed file is made.
* anything else (``buildImage``, ``pullImage``, ``mergeImages`` …): the
  derivation is realised and its output, an image archive, is opened.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pydock.builders.images.image_source import ImageFormatError, SourceImage, image_from_conf, open_image_file
from pydock.builders.images.layer_cache import default_digest_cache, store_nar_hashes

__all__ = ["STREAMING_BUILDERS", "image_for_derivation"]

STREAMING_BUILDERS = ("builtin:pydock-docker-stream", "builtin:pydock-docker-stream-to-file")


def _conf_drv(store: Any, drv: Any, conf_path: str) -> str | None:
    """The input derivation whose output is ``conf_path``."""
    for input_drv in sorted(drv.input_drvs):
        outputs = store.read_derivation(input_drv).outputs
        if any(o.path == conf_path for o in outputs.values()):
            return input_drv
    return None


def image_for_derivation(
    store: Any, drv_path: str, output: str = "out", progress: Callable[[str], None] | None = None
) -> SourceImage:
    """Realise what ``drv_path``'s image needs and open it (see the module docstring)."""
    from pydock.builders.realisation.realise import realise

    drv = store.read_derivation(drv_path)
    conf_path = drv.env.get("conf")
    if drv.builder in STREAMING_BUILDERS and conf_path:
        conf_drv = _conf_drv(store, drv, conf_path)
        if conf_drv is not None:
            realise(store, conf_drv, progress)
        elif not store.is_valid(conf_path):
            realise(store, drv_path, progress)
        with open(store.real_path(conf_path), encoding="utf-8") as f:
            conf = json.load(f)
        return image_from_conf(
            conf,
            store.real_path,
            cache=default_digest_cache(store.state_dir),
            log=progress,
            nar_hash=store_nar_hashes(store.state_dir),
        )
    outputs = realise(store, drv_path, progress)
    if output not in outputs:
        raise ImageFormatError(f"derivation '{drv_path}' does not have an output named '{output}'")
    return open_image_file(store.real_path(outputs[output]))
