"""Unpacking untrusted image archives and layers without letting them write outside a directory.

Images come from registries and other people's files, so every archive member
is checked before anything is written:

* names are made relative and normalised (an absolute name is read relative to
  the root, as docker and umoci do); a ``..`` that climbs out or a name with a
  NUL is refused with an error naming the entry;
* a parent directory that is a symbolic link is resolved *inside* the root, as
  a chrooted ``tar`` would (``lib -> /usr/lib`` then ``lib/x`` writes
  ``usr/lib/x``); a link that climbs above the root is refused;
* hard links must name an entry already unpacked inside the root;
* device nodes and FIFOs are skipped with a message (a build must not create
  devices); duplicate entries in one layer are skipped after the first;
* a truncated member (a declared size larger than the data) or a malformed
  header fails with the entry's name.

Layers are applied with the OCI whiteouts: ``.wh.NAME`` deletes ``NAME`` of the
layers below, ``.wh..wh..opq`` empties its directory of what the layers below
put there.
"""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import os
import posixpath
import shutil
import stat
import tarfile
from collections.abc import Callable
from typing import IO, Any

from pydock.builders.realisation.environment import BuildError

__all__ = [
    "UnsafeArchive",
    "apply_layer",
    "compression_of",
    "extract_image_archive",
    "flatten_image",
    "image_layers",
    "plain_tar",
]

WHITEOUT = ".wh."
OPAQUE = ".wh..wh..opq"
MAX_MANIFEST_BYTES = 16 << 20
BLOCK = 512
_MAX_LINK_HOPS = 40
Log = Callable[[str], None]


class UnsafeArchive(BuildError):
    """An archive or layer that is malformed or tries to reach outside its directory."""


def compression_of(path: str) -> str:
    """``none``, ``gz``, ``zstd``, ``bzip2`` or ``xz``, by the file's magic bytes."""
    with open(path, "rb") as f:
        head = f.read(6)
    if head.startswith(b"\x1f\x8b"):
        return "gz"
    if head.startswith(b"\x28\xb5\x2f\xfd"):
        return "zstd"
    if head.startswith(b"BZh"):
        return "bzip2"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    return "none"


def _decompressor(kind: str, f: IO[bytes]) -> IO[bytes]:
    if kind == "gz":
        return gzip.GzipFile(fileobj=f, mode="rb")  # type: ignore[return-value]
    if kind == "zstd":
        import zstandard

        return zstandard.ZstdDecompressor().stream_reader(f)  # type: ignore[return-value]
    if kind == "bzip2":
        return bz2.BZ2File(f)  # type: ignore[return-value]
    if kind == "xz":
        return lzma.LZMAFile(f)  # type: ignore[return-value]
    return f


def plain_tar(path: str, workdir: str, what: str) -> str:
    """``path`` itself when it is an uncompressed tar, else a decompressed copy in ``workdir``."""
    kind = compression_of(path)
    if kind == "none":
        return path
    dest = os.path.join(workdir, os.path.basename(path) + ".tar")
    try:
        with open(path, "rb") as raw, _decompressor(kind, raw) as src, open(dest, "wb") as out:
            shutil.copyfileobj(src, out, 1 << 20)
    except Exception as e:  # gzip/lzma/bz2/zstandard each raise their own errors
        raise UnsafeArchive(f"{what}: cannot decompress ({kind}): {e}") from None
    return dest


def member_name(raw: str, what: str) -> str:
    """The normalised relative name of a tar member (``.`` for the root); refuses escapes."""
    if "\0" in raw:
        raise UnsafeArchive(f"{what}: entry {raw!r} has a NUL byte in its name")
    # Absolute names are relative to the image root, as docker and umoci read them (nixpkgs'
    # streamed layers name their store paths "/nix/store/…").
    # As with a chroot, ".." at the root of an absolute name stays at the root.
    relative = posixpath.normpath(raw).lstrip("/") if raw.startswith("/") else raw
    name = posixpath.normpath(relative) if relative else "."
    if name == ".." or name.startswith("../"):
        raise UnsafeArchive(f"{what}: entry '{raw}' points outside the archive root; refusing it")
    return name


def _open_tar(path: str, what: str) -> tarfile.TarFile:
    try:
        return tarfile.open(path, "r:")
    except tarfile.TarError as e:
        raise UnsafeArchive(f"{what}: not a tar archive: {e}") from None


def _members(tar: tarfile.TarFile, what: str):
    """The members of ``tar``, with malformed headers and truncated data reported by entry."""
    previous = "the start"
    while True:
        try:
            member = tar.next()
        except tarfile.TarError as e:
            raise UnsafeArchive(f"{what}: malformed tar header after {previous}: {e}") from None
        except EOFError:
            raise UnsafeArchive(f"{what}: the archive ends in the middle of the entry after {previous}") from None
        if member is None:
            # tarfile ends quietly at a bad header after the first: only zero blocks may follow the last member.
            tar.fileobj.seek(tar.offset)
            if tar.fileobj.read(BLOCK).strip(b"\0"):
                raise UnsafeArchive(f"{what}: malformed tar header after {previous}")
            return
        previous = f"entry '{member.name}'"
        yield member


class _Root:
    """A directory into which entries are placed, resolving names as a chroot would."""

    def __init__(self, root: str, what: str) -> None:
        self.root = os.path.realpath(root)
        self.what = what

    def resolve_parent(self, name: str, entry: str) -> str:
        """The real directory that holds ``name``'s last component (parent links followed in the root)."""
        parts = [p for p in name.split("/")[:-1] if p not in ("", ".")]
        current: list[str] = []
        hops = 0
        while parts:
            part = parts.pop(0)
            if part == "..":
                if not current:
                    raise UnsafeArchive(f"{self.what}: entry '{entry}' points outside the image root; refusing it")
                current.pop()
                continue
            candidate = os.path.join(self.root, *current, part)
            try:
                st = os.lstat(candidate)
            except FileNotFoundError:
                current.append(part)
                continue
            if stat.S_ISLNK(st.st_mode):
                hops += 1
                if hops > _MAX_LINK_HOPS:
                    raise UnsafeArchive(f"{self.what}: entry '{entry}': too many levels of symbolic links")
                target = os.readlink(candidate)
                if target.startswith("/"):
                    current = []
                parts = [p for p in target.split("/") if p not in ("", ".")] + parts
                if any(p == ".." for p in parts) and _climbs_out(current, parts):
                    raise UnsafeArchive(
                        f"{self.what}: entry '{entry}' would be written through the symbolic link "
                        f"'{os.path.relpath(candidate, self.root)}', which points outside the image root; refusing it"
                    )
                continue
            if not stat.S_ISDIR(st.st_mode):
                raise UnsafeArchive(f"{self.what}: entry '{entry}': '{'/'.join(current + [part])}' is not a directory")
            current.append(part)
        real = os.path.join(self.root, *current)
        os.makedirs(real, exist_ok=True)
        return real

    def path(self, name: str, entry: str) -> str:
        """Where entry ``name`` goes (its last component is never followed)."""
        if name == ".":
            return self.root
        return os.path.join(self.resolve_parent(name, entry), name.rsplit("/", 1)[-1])


def _climbs_out(current: list[str], parts: list[str]) -> bool:
    depth = len(current)
    for p in parts:
        depth = depth - 1 if p == ".." else depth + 1
        if depth < 0:
            return True
    return False


def _remove(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.unlink(path)


def _copy_data(tar: tarfile.TarFile, member: tarfile.TarInfo, dest: str, what: str) -> None:
    src = tar.extractfile(member)
    assert src is not None
    written = 0
    with open(dest, "wb") as out:
        try:
            for chunk in iter(lambda: src.read(1 << 20), b""):
                written += len(chunk)
                out.write(chunk)
        except (tarfile.TarError, EOFError, OSError) as e:
            raise UnsafeArchive(
                f"{what}: entry '{member.name}' declares {member.size} bytes but the archive ends early ({e})"
            ) from None
    if written != member.size:
        raise UnsafeArchive(
            f"{what}: entry '{member.name}' declares {member.size} bytes but the archive holds only {written}"
        )


def _set_attrs(path: str, member: tarfile.TarInfo, owners: bool) -> None:
    if owners and os.geteuid() == 0:
        os.lchown(path, member.uid, member.gid)
    if not member.issym():
        os.chmod(path, member.mode & 0o7777)
    os.utime(path, (member.mtime, member.mtime), follow_symlinks=False)


def _unpack_member(
    tar: tarfile.TarFile, member: tarfile.TarInfo, name: str, root: _Root, what: str, owners: bool,
    dir_modes: list[tuple[str, tarfile.TarInfo]],
) -> bool:  # fmt: skip
    """Write one member; False if it was skipped."""
    dest = root.path(name, member.name)
    if member.isdir():
        if os.path.lexists(dest) and not (os.path.isdir(dest) and not os.path.islink(dest)):
            _remove(dest)
        os.makedirs(dest, exist_ok=True)
        os.chmod(dest, 0o700)
        dir_modes.append((dest, member))
        return True
    if name == ".":
        raise UnsafeArchive(f"{what}: entry '{member.name}' replaces the root directory; refusing it")
    if member.isreg():
        _remove(dest)
        _copy_data(tar, member, dest, what)
    elif member.issym():
        _remove(dest)
        os.symlink(member.linkname, dest)
    elif member.islnk():
        target_name = member_name(member.linkname, what)
        target = root.path(target_name, member.name) if target_name != "." else root.root
        if not os.path.lexists(target) or (os.path.isdir(target) and not os.path.islink(target)):
            raise UnsafeArchive(
                f"{what}: hard link '{member.name}' points to '{member.linkname}', which is not a file in the image"
            )
        _remove(dest)
        os.link(target, dest, follow_symlinks=False)
        return True
    else:
        return False
    _set_attrs(dest, member, owners)
    return True


def _finish_dirs(dir_modes: list[tuple[str, tarfile.TarInfo]], owners: bool) -> None:
    for path, member in reversed(dir_modes):
        if os.path.isdir(path) and not os.path.islink(path):
            _set_attrs(path, member, owners)


def extract_image_archive(tar_path: str, dest: str, what: str, log: Log) -> None:
    """Unpack a docker-archive (the outer tar: files, directories, symlinks) into ``dest``."""
    root = _Root(dest, what)
    seen: set[str] = set()
    dir_modes: list[tuple[str, tarfile.TarInfo]] = []
    with _open_tar(tar_path, what) as tar:
        for member in _members(tar, what):
            name = member_name(member.name, what)
            if name in seen and not member.isdir():
                raise UnsafeArchive(f"{what}: duplicate entry '{member.name}'; refusing the archive")
            seen.add(name)
            if member.islnk() or not (member.isdir() or member.isreg() or member.issym()):
                raise UnsafeArchive(f"{what}: entry '{member.name}' is not a file, directory or symbolic link")
            _unpack_member(tar, member, name, root, what, False, dir_modes)
    for path, member in reversed(dir_modes):
        # As an unpacking ``tar`` with umask 022 leaves them, and never unreadable to the builder.
        os.chmod(path, (member.mode & 0o755) | 0o700)


def image_layers(
    image_dir: str, what: str, from_name: str | None, from_tag: str | None, missing_tag_ok: bool = False
) -> list[str]:
    """The real paths of the layer tars of the image chosen in ``manifest.json`` (bottom first).

    The entry is the one whose ``RepoTags`` holds ``from_name:from_tag`` when
    both are given, else the first; a layer listed twice is applied once, at its
    last position (as nixpkgs' exportImage does).
    """
    manifest_path = os.path.join(image_dir, "manifest.json")
    if not os.path.isfile(manifest_path) or os.path.islink(manifest_path):
        raise UnsafeArchive(f"{what}: the archive has no manifest.json")
    if os.path.getsize(manifest_path) > MAX_MANIFEST_BYTES:
        raise UnsafeArchive(f"{what}: manifest.json is larger than {MAX_MANIFEST_BYTES} bytes")
    try:
        with open(manifest_path, encoding="utf-8") as f:
            manifest: Any = json.load(f)
    except (ValueError, UnicodeDecodeError) as e:
        raise UnsafeArchive(f"{what}: manifest.json is not valid JSON: {e}") from None
    if not isinstance(manifest, list) or not manifest or not all(isinstance(m, dict) for m in manifest):
        raise UnsafeArchive(f"{what}: manifest.json is not a list of images")
    entry = manifest[0]
    if from_name and from_tag:
        wanted = f"{from_name}:{from_tag}"
        entry = next((m for m in manifest if wanted in (m.get("RepoTags") or [])), None)
        if entry is None and missing_tag_ok:
            return []
        if entry is None:
            raise UnsafeArchive(f"{what}: no image tagged '{wanted}' in manifest.json")
    layers = entry.get("Layers")
    if not isinstance(layers, list) or not all(isinstance(x, str) for x in layers):
        raise UnsafeArchive(f"{what}: the image's Layers in manifest.json is not a list of file names")
    last = {name: i for i, name in enumerate(layers)}
    real_root = os.path.realpath(image_dir)
    out: list[str] = []
    for i, name in enumerate(layers):
        if last[name] != i:
            continue
        rel = member_name(name, what)
        real = os.path.realpath(os.path.join(real_root, rel))
        if os.path.commonpath([real, real_root]) != real_root:
            raise UnsafeArchive(f"{what}: layer '{name}' of manifest.json points outside the archive; refusing it")
        if not os.path.isfile(real):
            raise UnsafeArchive(f"{what}: manifest.json names the layer '{name}', which is not in the archive")
        out.append(real)
    return out


def apply_layer(layer_path: str, root_dir: str, what: str, log: Log, workdir: str) -> None:
    """Apply one layer tar (compressed or not) on top of ``root_dir``, whiteouts included."""
    root = _Root(root_dir, what)
    plain = plain_tar(layer_path, workdir, what)
    added: set[str] = set()
    seen: set[str] = set()
    opaque: list[str] = []
    dir_modes: list[tuple[str, tarfile.TarInfo]] = []
    with _open_tar(plain, what) as tar:
        for member in _members(tar, what):
            name = member_name(member.name, what)
            if name in seen:
                log(f"{what}: skipping duplicate entry '{member.name}'")
                continue
            seen.add(name)
            base = name.rsplit("/", 1)[-1]
            parent = name.rsplit("/", 1)[0] if "/" in name else "."
            if base == OPAQUE:
                opaque.append(parent)
                continue
            if base.startswith(WHITEOUT):
                victim = base[len(WHITEOUT) :]
                if victim in ("", ".", ".."):
                    raise UnsafeArchive(f"{what}: whiteout '{member.name}' names no entry; refusing it")
                _remove(os.path.join(root.resolve_parent(name, member.name), victim))
                continue
            if member.ischr() or member.isblk() or member.isfifo():
                log(f"{what}: skipping device node or FIFO '{member.name}'")
                continue
            if not _unpack_member(tar, member, name, root, what, True, dir_modes):
                log(f"{what}: skipping entry '{member.name}' of unsupported type {member.type!r}")
                continue
            added.add(name)
    for directory in opaque:
        _empty_lower(root, directory, added, what)
    _finish_dirs(dir_modes, True)
    if plain != layer_path:
        os.unlink(plain)


def _empty_lower(root: _Root, directory: str, added: set[str], what: str) -> None:
    """Remove what the lower layers put below ``directory``, keeping this layer's own entries."""
    real = root.path(directory, f"{directory}/{OPAQUE}")
    if not os.path.isdir(real) or os.path.islink(real):
        return
    keep_dirs = {posixpath.dirname(a) for a in added}
    for a in list(keep_dirs):
        while a not in ("", "."):
            a = posixpath.dirname(a)
            keep_dirs.add(a)
    prefix = "" if directory == "." else directory + "/"

    def walk(rel: str, real_dir: str) -> None:
        for child in os.listdir(real_dir):
            child_rel = f"{rel}{child}"
            child_real = os.path.join(real_dir, child)
            if child_rel in added:
                if child_rel in keep_dirs and os.path.isdir(child_real) and not os.path.islink(child_real):
                    walk(child_rel + "/", child_real)
                continue
            if child_rel in keep_dirs and os.path.isdir(child_real) and not os.path.islink(child_real):
                walk(child_rel + "/", child_real)
                continue
            _remove(child_real)

    walk(prefix, real)


def flatten_image(
    archive: str,
    root: str,
    work: str,
    what: str,
    name: str | None,
    tag: str | None,
    log: Log,
    missing_tag_ok: bool = False,
) -> None:
    """Apply the layers of the image in ``archive`` (a docker-archive, compressed or not) to ``root``.

    ``work`` is a scratch directory inside the build directory.  With
    ``missing_tag_ok``, a ``name:tag`` no image carries applies nothing (buildImage's
    runAsRoot base) instead of failing (exportImage).
    """
    plain = plain_tar(archive, work, what)
    image_dir = os.path.join(work, "image")
    os.mkdir(image_dir)
    extract_image_archive(plain, image_dir, what, log)
    layers = image_layers(image_dir, what, name, tag, missing_tag_ok)
    for i, layer in enumerate(layers, 1):
        log(f"applying layer {i} of {len(layers)}")
        apply_layer(layer, root, f"{what}: layer {i} ('{os.path.relpath(layer, image_dir)}')", log, work)
