"""Nix's own ``builtin:fetchurl``, in the one case that needs no network: ``file://`` URLs.

``<nix/fetchurl.nix>`` derivations are fixed-output, so their result is checked
against the declared hash afterwards wherever it came from.  pydock does not
download (packages come from providers and substituters, see ARCHITECTURE.md),
so any other URL is refused with a clear error instead of being attempted.
"""

from __future__ import annotations

import lzma
import os
import shutil
import urllib.parse
import urllib.request

from pydock.builders.realisation.builtin_builders import BuildContext
from pydock.builders.realisation.environment import BuildError

__all__ = ["fetchurl"]


def fetchurl(ctx: BuildContext) -> None:
    """Realise a ``builtin:fetchurl`` derivation into ``ctx.outputs["out"]``."""
    env = ctx.env
    for attr in ("out", "url"):
        if attr not in env:
            raise BuildError(f"attribute '{attr}' missing")
    url = env["url"]
    if not url.startswith("file://"):
        raise BuildError("builtin builder 'fetchurl' is not supported offline")
    src = urllib.request.url2pathname(urllib.parse.urlparse(url).path)
    dest = ctx.outputs["out"]
    if env.get("unpack") == "1":
        from pydock.store.nar import restore_path

        opener = lzma.open if url.endswith(".xz") else open
        with opener(src, "rb") as f:
            restore_path(dest, f)  # type: ignore[arg-type]
    else:
        shutil.copyfile(src, dest)
    if env.get("executable") == "1":
        os.chmod(dest, 0o755)
