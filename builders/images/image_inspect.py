"""What is in an image: layers with their sizes and store paths, the run configuration, the tags.

Store paths per layer come from the best source at hand:

* a ``streamLayeredImage`` conf knows them (``store_layers``);
* an archive or layout is read: every member under ``nix/store/`` names the
  store path it belongs to (read as a stream, digest-checked on the way);
* a registry image is not downloaded: nixpkgs records each layer's paths in the
  config's ``history`` comments (``store paths: [...]``), which are parsed.
"""

from __future__ import annotations

import ast
import io
import json
import tarfile
from collections.abc import Iterator
from typing import Any

from pydock.builders.images.image_source import (
    Blob,
    ImageFormatError,
    SourceImage,
    SourceLayer,
    decompressed_chunks,
)

__all__ = ["describe_image", "format_table", "open_registry_image", "store_paths_in_layer"]

RUN_CONFIG = ("Cmd", "Entrypoint", "Env", "ExposedPorts", "User", "WorkingDir", "Volumes", "Labels")


class _ChunkReader(io.RawIOBase):
    """A read-only file over an iterator of byte chunks (for ``tarfile``'s stream mode)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buf = b""
        self.total = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while not self._buf:
            try:
                self._buf = next(self._chunks)
            except StopIteration:
                return 0
            self.total += len(self._buf)
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n

    def drain(self) -> None:
        for chunk in self._chunks:
            self.total += len(chunk)


def store_paths_in_layer(layer: SourceLayer, what: str, store_dir: str = "/nix/store") -> tuple[list[str], int]:
    """The store paths a layer holds files of, in archive order, and the layer's uncompressed size."""
    prefix = store_dir.strip("/") + "/"
    reader = _ChunkReader(layer.tar_chunks())
    paths: dict[str, None] = {}
    try:
        with tarfile.open(fileobj=io.BufferedReader(reader, 1 << 16), mode="r|") as tar:
            for member in tar:
                name = member.name.lstrip("/").removeprefix("./").lstrip("/")
                if name.startswith(prefix):
                    top = name[len(prefix) :].split("/", 1)[0]
                    if top:
                        paths.setdefault("/" + prefix + top)
        reader.drain()  # the rest (archive end) still counts, and the digest check runs at the end
    except tarfile.TarError as e:
        raise ImageFormatError(f"{what} is not a valid tar archive: {e}") from None
    return list(paths), reader.total


def _history_paths(config: dict[str, Any]) -> list[list[str] | None]:
    """Per non-empty history entry, the store paths its nixpkgs comment lists (None when it has none)."""
    out: list[list[str] | None] = []
    for entry in config.get("history") or []:
        if not isinstance(entry, dict) or entry.get("empty_layer"):
            continue
        comment = entry.get("comment") or ""
        paths = None
        if isinstance(comment, str) and comment.startswith("store paths: "):
            try:
                value = ast.literal_eval(comment[len("store paths: ") :])
                if isinstance(value, list) and all(isinstance(p, str) for p in value):
                    paths = [p for p in value if p.startswith("/")]
            except (ValueError, SyntaxError):
                paths = None
        out.append(paths)
    return out


def describe_image(image: SourceImage, *, read_layers: bool = True) -> dict[str, Any]:
    """A JSON-able description; ``read_layers=False`` takes store paths from the history instead of the layers."""
    config = image.config_json()
    if not isinstance(config, dict):
        raise ImageFormatError(f"the config of {image.description} is not a JSON object")
    run = config.get("config") or {}
    history = _history_paths(config)
    layers = []
    for num, layer in enumerate(image.layers):
        what = f"layer {num + 1} ({layer.diff_id}) of {image.description}"
        size = layer.size
        paths = layer.store_paths
        source = "conf" if paths is not None else None
        if paths is None and read_layers:
            paths, size = store_paths_in_layer(layer, what)
            source = "content"
        if paths is None and num < len(history) and history[num] is not None:
            paths, source = history[num], "history"
        blob: Blob | None = layer.blob
        layers.append({
            "diff_id": layer.diff_id,
            "digest": blob.digest if blob else layer.diff_id,
            "media_type": blob.media_type if blob else "application/vnd.oci.image.layer.v1.tar",
            "size": blob.size if blob else size,
            "uncompressed_size": size,
            "store_paths": paths or [],
            "store_paths_from": source,
        })  # fmt: skip
    manifest_digest = None
    if image.manifest is not None:
        import hashlib

        manifest_digest = "sha256:" + hashlib.sha256(image.manifest).hexdigest()
    return {
        "source": image.description,
        "tags": image.repo_tags,
        "digest": manifest_digest,
        "config_digest": image.config_digest,
        "created": config.get("created"),
        "architecture": config.get("architecture"),
        "os": config.get("os"),
        "config": {k: run.get(k) for k in RUN_CONFIG if isinstance(run, dict) and run.get(k) is not None},
        "layers": layers,
    }


def _human(size: int | None) -> str:
    if size is None:
        return "?"
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return str(size)


def format_table(info: dict[str, Any]) -> str:
    """The description for a terminal: a header block, then one row per layer and store path."""
    rows = [("Source", info["source"]), ("Tags", ", ".join(info["tags"]) or "-")]
    if info["digest"]:
        rows.append(("Digest", info["digest"]))
    rows += [("Image ID", info["config_digest"]), ("Created", str(info["created"] or "-")),
             ("Platform", f"{info['os'] or '?'}/{info['architecture'] or '?'}")]  # fmt: skip
    config = info["config"]
    for key in RUN_CONFIG:
        value = config.get(key)
        if value is None:
            continue
        if key == "Env":
            rows.append(("Env", "\n".join(value) if value else "-"))
        elif key == "ExposedPorts":
            rows.append(("Ports", ", ".join(sorted(value)) or "-"))
        elif isinstance(value, list | dict):
            rows.append((key, json.dumps(value)))
        else:
            rows.append((key, str(value) or "-"))
    width = max(len(k) for k, _ in rows)
    lines = []
    for key, value in rows:
        first, *rest = value.split("\n")
        lines.append(f"{key.ljust(width)}  {first}")
        lines += [" " * (width + 2) + more for more in rest]
    layers = info["layers"]
    lines.append("")
    lines.append(f"Layers ({len(layers)}):")
    lines.append(f"  {'#':>3}  {'DIGEST':<12}  {'SIZE':>10}  STORE PATHS")
    for num, layer in enumerate(layers, start=1):
        paths = layer["store_paths"] or ["-"]
        lines.append(f"  {num:>3}  {layer['digest'][7:19]:<12}  {_human(layer['size']):>10}  {paths[0]}")
        lines += [" " * 33 + p for p in paths[1:]]
    return "\n".join(lines)


def open_registry_image(reference: str, tls_verify: bool = True) -> SourceImage:
    """``HOST/REPO[:TAG|@DIGEST]`` from a registry (this machine's platform from a list); blobs stay remote."""
    from pydock.builders.images.registry_auth import parse_image_name
    from pydock.builders.images.registry_client import Platform, RegistryClient
    from pydock.builders.realisation.environment import host_system

    name, ref = reference, "latest"
    if "@" in reference:
        name, _, ref = reference.partition("@")
    elif ":" in reference.rsplit("/", 1)[-1]:
        name, _, ref = reference.rpartition(":")
    client = RegistryClient(parse_image_name(name), tls_verify=tls_verify)
    cpu = host_system().split("-")[0]
    arch = {"x86_64": "amd64", "aarch64": "arm64", "i686": "386"}.get(cpu, cpu)
    manifest = client.resolve_image(ref, Platform("linux", arch))
    doc = manifest.json()
    config = client.get_small_blob(doc["config"]["digest"])
    diff_ids = (json.loads(config).get("rootfs") or {}).get("diff_ids") or []
    layers = []
    for desc, diff_id in zip(doc.get("layers") or [], diff_ids, strict=False):

        def no_read() -> Iterator[bytes]:
            raise ImageFormatError("registry layers are not downloaded by inspect")

        blob = Blob(desc.get("mediaType", ""), desc["digest"], desc.get("size", 0), no_read)
        layers.append(SourceLayer(diff_id, lambda: decompressed_chunks(no_read(), "layer"), blob))
    tag = [f"{client.name.full}:{ref}"] if not ref.startswith("sha256:") else []
    return SourceImage(f"docker://{reference}", config, layers, tag, manifest.raw, manifest.media_type)
