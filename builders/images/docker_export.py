"""``dockerTools.exportImage``: an image's layers flattened into one root file system tar, without a VM.

nixpkgs mounts the layers as an overlay in a VM and tars the mount.  pydock
flattens the image with :func:`~pydock.builders.images.image_unpack.flatten_image`
(layers applied in order with their whiteouts; entries that would land outside
the root are refused) and tars the result with the host's GNU tar and
nixpkgs' flags (``--hard-dereference --sort=name --mtime=@$SOURCE_DATE_EPOCH``)
plus ``--numeric-owner``, so that the host's user names cannot leak in.
Owners are kept where pydock runs as root; device nodes are left out.
"""

from __future__ import annotations

import os
import subprocess
import tempfile

from pydock.builders.images.docker_build_image import EPOCH
from pydock.builders.images.image_unpack import flatten_image
from pydock.builders.realisation.builtin_builders import BuildContext, builtin_builder
from pydock.builders.realisation.environment import BuildError

__all__ = ["docker_export_image"]


@builtin_builder("docker-export-image")
def docker_export_image(drv, ctx: BuildContext) -> None:
    env = ctx.env
    source = env.get("fromImage", "")
    if not source:
        raise BuildError("exportImage: fromImage is empty")
    what = f"image '{os.path.basename(source)}'"
    work = tempfile.mkdtemp(prefix="export-", dir=ctx.build_dir)
    root = os.path.join(work, "root")
    os.mkdir(root, 0o755)
    flatten_image(ctx.real_path(source), root, work, what, env.get("fromImageName") or None,
                  env.get("fromImageTag") or None, ctx.log)  # fmt: skip
    tar = ["tar", "-C", root, "--hard-dereference", "--sort=name", f"--mtime=@{EPOCH}", "--numeric-owner",
           "-cf", ctx.outputs["out"], "."]  # fmt: skip
    proc = subprocess.run(tar, capture_output=True, text=True, env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                                                                      "LC_ALL": "C"})  # fmt: skip
    if proc.returncode != 0:
        raise BuildError(f"tar failed: {proc.stderr.strip()[-500:]}")
