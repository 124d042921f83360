"""What ``pydock push`` and ``pydock inspect`` accept as an image, opened as a ``SourceImage``.

``FILE -A ATTR`` (or a ``.nix`` file) is evaluated and realised as ``pydock build``
does, but only as far as the image needs (see ``builders/images/built_image.py``);
anything else is a docker-archive, an ``oci-archive`` or an OCI layout directory.
``docker://`` references are the registry's business and are handled by the callers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from pydock.cli_options import argument_options, eval_request, instantiate_request, setting_options

__all__ = ["image_source_options", "open_cli_image"]


def image_source_options(f: Any) -> Any:
    """``-A``, ``--store`` and the evaluation/substitution options of ``pydock build``."""
    f = setting_options(f)
    f = argument_options(f)
    f = click.option("--store", "store_root", metavar="DIR", help="Store root (default: $PYDOCK_STORE).")(f)
    f = click.option("-A", "--attr", "attr_paths", multiple=True,
                     help="IMAGE is a Nix file: build this attribute (an image derivation).")(f)  # fmt: skip
    return f


def open_cli_image(source: str, opts: dict[str, Any], progress: Callable[[str], None] | None) -> tuple[Any, Any]:
    """The image ``source`` names (with the options of :func:`image_source_options`), and the store it
    was built in (None for an archive or layout)."""
    from pydock.builders.images.image_source import ImageFormatError, open_image_file

    if not opts["attr_paths"] and not source.endswith(".nix"):
        return open_image_file(source), None
    from pydock.builders.images.built_image import image_for_derivation

    request = eval_request(opts, files=[source])
    store, drvs = instantiate_request(opts["store_root"], request, progress, opts["show_trace"])
    if len(drvs) != 1:
        raise ImageFormatError(f"'{source}' must select exactly one image derivation, it selects {len(drvs)}")
    ref = drvs[0]
    if ref.prebuilt_attr is not None:
        raise ImageFormatError(f"'{ref.prebuilt_attr}' is a package, not an image")
    return image_for_derivation(store, ref.drv_path, ref.output_name, progress), store
