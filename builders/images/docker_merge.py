"""``dockerTools.mergeImages``: several image archives as one docker-archive, loadable with one ``load``.

As nixpkgs does: each input (plain, gzip or zstd, recognised by its magic
bytes) is unpacked (safely, :func:`~pydock.builders.images.image_unpack.extract_image_archive`);
their files are copied into one directory, the first copy of a file winning;
``repositories`` objects are merged and ``manifest.json`` lists concatenated
(``jq -s add``, so every ``RepoTags`` entry is kept); the directory is tarred
like ``buildImage``'s archive and compressed as the **last** input was.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import tempfile
from typing import Any

from pydock.builders.images.docker_build_image import _write_archive
from pydock.builders.images.docker_conf import jq_dumps
from pydock.builders.images.image_unpack import MAX_MANIFEST_BYTES, compression_of, extract_image_archive, plain_tar
from pydock.builders.realisation.builtin_builders import BuildContext, builtin_builder
from pydock.builders.realisation.environment import BuildError

__all__ = ["docker_merge_images"]


def _copy_missing(src: str, dst: str, dir_modes: list[tuple[str, int]]) -> None:
    """``cp -R --update=none SRC DST``: copy what DST does not have yet (symlinks as symlinks)."""
    st = os.lstat(src)
    if stat.S_ISDIR(st.st_mode):
        if not os.path.lexists(dst):
            os.mkdir(dst, 0o700)
            dir_modes.append((dst, stat.S_IMODE(st.st_mode) & ~0o022))
        if os.path.isdir(dst) and not os.path.islink(dst):
            for child in sorted(os.listdir(src)):
                _copy_missing(os.path.join(src, child), os.path.join(dst, child), dir_modes)
    elif os.path.lexists(dst):
        return
    elif stat.S_ISLNK(st.st_mode):
        os.symlink(os.readlink(src), dst)
    else:
        shutil.copyfile(src, dst)
        os.chmod(dst, stat.S_IMODE(st.st_mode) & ~0o022)


def _read_json(path: str, what: str) -> Any:
    if os.path.getsize(path) > MAX_MANIFEST_BYTES:
        raise BuildError(f"{what}: {os.path.basename(path)} is larger than {MAX_MANIFEST_BYTES} bytes")
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (ValueError, UnicodeDecodeError) as e:
        raise BuildError(f"{what}: {os.path.basename(path)} is not valid JSON: {e}") from None


@builtin_builder("docker-merge-images")
def docker_merge_images(drv, ctx: BuildContext) -> None:
    images = ctx.env.get("images", "").split()
    work = tempfile.mkdtemp(prefix="merge-", dir=ctx.build_dir)
    image_dir = os.path.join(work, "image")
    os.mkdir(image_dir)
    repositories: dict[str, Any] | None = None
    manifests: list[Any] | None = None
    last_kind = "gz"
    dir_modes: list[tuple[str, int]] = []
    for item in images:
        what = f"image '{os.path.basename(item)}'"
        real = ctx.real_path(item)
        if os.path.isdir(real):
            raise BuildError(f"{what}: mergeImages takes image archives, not directories (or stream scripts)")
        last_kind = compression_of(real)
        if last_kind not in ("none", "gz", "zstd"):
            raise BuildError(f"{what}: unexpected image compression '{last_kind}' (expected tar, gzip or zstd)")
        inputs = os.path.join(work, "inputs", os.path.basename(item))
        os.makedirs(inputs)
        extract_image_archive(plain_tar(real, work, what), inputs, what, ctx.log)
        repos_path = os.path.join(inputs, "repositories")
        if os.path.isfile(repos_path) and not os.path.islink(repos_path):
            value = _read_json(repos_path, what)
            if not isinstance(value, dict):
                raise BuildError(f"{what}: repositories is not a JSON object")
            repositories = {**(repositories or {}), **value}
        manifest_path = os.path.join(inputs, "manifest.json")
        if os.path.isfile(manifest_path) and not os.path.islink(manifest_path):
            value = _read_json(manifest_path, what)
            if not isinstance(value, list):
                raise BuildError(f"{what}: manifest.json is not a JSON list")
            manifests = (manifests or []) + value
    # `cp -R --update=none inputs/*/* image/`: the glob orders the inputs by their store path names.
    all_inputs = os.path.join(work, "inputs")
    for input_name in sorted(os.listdir(all_inputs)):
        inputs = os.path.join(all_inputs, input_name)
        for entry in sorted(os.listdir(inputs)):
            _copy_missing(os.path.join(inputs, entry), os.path.join(image_dir, entry), dir_modes)
    for path, mode in reversed(dir_modes):
        os.chmod(path, mode)
    for name, value in (("repositories", repositories), ("manifest.json", manifests)):
        path = os.path.join(image_dir, name)
        if os.path.lexists(path):
            os.unlink(path)
        with open(path, "w", encoding="utf-8") as f:
            f.write(jq_dumps(value))
    _write_archive(ctx, image_dir, last_kind)
