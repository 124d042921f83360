"""``pydock build --format oci-dir|oci-archive``: the built images written as OCI layouts.

``-o`` names the output (``result``, ``result-2`` … for several images, as the
result links are named); nothing is linked into the store: the layout is a
file tree of its own.  Images made from a ``streamLayeredImage`` conf are
produced from the store directly (see :mod:`pydock.builders.images.built_image`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

__all__ = ["FORMATS", "write_oci_results"]

FORMATS = ("docker-archive", "oci-dir", "oci-archive")


def write_oci_results(
    store: Any,
    drvs: list[Any],
    fmt: str,
    compression: str,
    out_link: str,
    progress: Callable[[str], None] | None,
) -> list[str]:
    """Write one layout (or archive) per derivation; the paths written, in order."""
    from pydock.builders.images.built_image import image_for_derivation
    from pydock.builders.images.image_source import ImageFormatError
    from pydock.builders.images.layer_cache import default_digest_cache
    from pydock.builders.images.oci_layout import oci_image, ref_name, write_oci_archive, write_oci_layout

    written: list[str] = []
    for counter, ref in enumerate(drvs):
        if ref.prebuilt_attr is not None:
            raise ImageFormatError(f"'{ref.prebuilt_attr}' is a package, not an image; --format {fmt} needs an image")
        dest = out_link if counter == 0 else f"{out_link}-{counter + 1}"
        with image_for_derivation(store, ref.drv_path, ref.output_name, progress) as image:
            spool = os.path.dirname(os.path.abspath(dest))
            oci = oci_image(image, compression, default_digest_cache(store.state_dir), spool, progress)
            ref_tag = ref_name(image.repo_tags[0] if image.repo_tags else None)
            if fmt == "oci-dir":
                write_oci_layout(oci, dest, ref_tag)
            else:
                write_oci_archive(oci, dest, ref_tag)
        if progress:
            progress(f"wrote {fmt} {dest} (manifest {oci.digest})")
        written.append(os.path.abspath(dest))
    return written
