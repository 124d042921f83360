"""The docker-archive that ``skopeo copy … docker-archive:FILE:NAME:TAG`` writes, byte for byte.

``dockerTools.pullImage``'s hash is the sha256 of skopeo's archive, so pydock must
write the very same bytes.  What skopeo 1.9 (containers/image 5.23) writes, as
learnt from its tarfile writer and checked against the real binary:

* a Go ``archive/tar`` stream of ustar headers: regular files mode ``0444``,
  uid/gid 0, empty user/group names, mtime 0, device fields ``0000000\\0``,
  symlinks mode 0; no directory members; two zero blocks at the end and no
  padding to a record size;
* members in the order they are copied: each layer **decompressed**, as
  ``<sha256 of the tar>.tar`` (a layer already written is not written again),
  then the config as ``<config digest>.json``; then for every layer a legacy
  directory ``<id>/`` with ``layer.tar`` (a symlink to ``../<digest>.tar``),
  ``VERSION`` (``1.0``) and ``json``; then ``manifest.json`` and
  ``repositories``;
* legacy ids: ``sha256`` of Go's ``json.Marshal`` of the layer's legacy config
  (``parent``; for the top layer also ``architecture``, ``config``,
  ``container``, ``container_config``, ``created``, ``docker_version``, ``os``
  from the image config) with the chain id as ``layer_id``; the stored ``json``
  has ``id`` instead of ``layer_id``;
* JSON as Go's ``encoding/json`` writes it: compact, map keys sorted, ``<``,
  ``>``, ``&``, U+2028 and U+2029 escaped in strings.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from typing import Any, BinaryIO

__all__ = ["ArchiveLayer", "GoTarWriter", "go_json", "go_compact", "write_docker_archive"]

BLOCK = 512
_HTML_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def _octal(value: int, width: int) -> bytes:
    """Go's ``formatOctal``: zero-padded octal digits and a NUL in ``width`` bytes."""
    digits = f"{value:o}".encode()
    if len(digits) > width - 1:
        raise ValueError(f"value {value} does not fit a {width}-byte tar field")
    return digits.rjust(width - 1, b"0") + b"\0"


def _field(text: str, width: int) -> bytes:
    raw = text.encode("utf-8")
    if len(raw) > width:
        raise ValueError(f"'{text}' is longer than {width} bytes")
    return raw.ljust(width, b"\0")


class GoTarWriter:
    """The few kinds of member containers/image writes, with Go's ustar header bytes."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out

    def _header(self, name: str, mode: int, size: int, typeflag: bytes, linkname: str = "") -> None:
        header = b"".join([
            _field(name, 100), _octal(mode, 8), _octal(0, 8), _octal(0, 8), _octal(size, 12), _octal(0, 12),
            b" " * 8, typeflag, _field(linkname, 100), b"ustar\x0000", b"\0" * 32, b"\0" * 32,
            _octal(0, 8), _octal(0, 8), b"\0" * 155, b"\0" * 12,
        ])  # fmt: skip
        checksum = sum(header)
        header = header[:148] + f"{checksum:06o}".encode() + b"\0 " + header[156:]
        self.out.write(header)

    def add_bytes(self, name: str, data: bytes) -> None:
        self._header(name, 0o444, len(data), b"0")
        self.out.write(data)
        self._pad(len(data))

    def add_file(self, name: str, src: BinaryIO, size: int) -> None:
        self._header(name, 0o444, size, b"0")
        src.seek(0)
        shutil.copyfileobj(src, self.out, 1 << 20)
        self._pad(size)

    def add_symlink(self, name: str, target: str) -> None:
        self._header(name, 0, 0, b"2", target)

    def close(self) -> None:
        self.out.write(b"\0" * (2 * BLOCK))

    def _pad(self, size: int) -> None:
        if size % BLOCK:
            self.out.write(b"\0" * (BLOCK - size % BLOCK))


def _go_string_escapes(text: str) -> str:
    for ch, esc in _HTML_ESCAPES.items():
        text = text.replace(ch, esc)
    return text


def go_json(value: Any) -> bytes:
    """``json.Marshal`` of plain values: compact, sorted map keys, HTML characters escaped."""
    text = json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return _go_string_escapes(text).encode("utf-8")


def go_compact(raw: bytes) -> bytes:
    """What ``json.Marshal`` does to a ``json.RawMessage``: drop insignificant space, escape HTML characters."""
    out: list[str] = []
    text = raw.decode("utf-8")
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
            out.append(_HTML_ESCAPES.get(ch, ch))
        elif ch in " \t\r\n":
            continue
        else:
            if ch == '"':
                in_string = True
            out.append(ch)
    return "".join(out).encode("utf-8")


@dataclass(frozen=True)
class ArchiveLayer:
    """An uncompressed layer tar on disk and its sha256 (the diff id)."""

    path: str
    digest: str  # "sha256:<hex>"
    size: int


def _legacy_configs(layers: list[ArchiveLayer], config: bytes) -> list[tuple[str, bytes]]:
    """(id, json bytes) of each layer's legacy directory, bottom to top."""
    out: list[tuple[str, bytes]] = []
    parent = ""
    chain = ""
    for i, layer in enumerate(layers):
        fields: dict[str, Any] = {}
        if parent:
            fields["parent"] = parent
        if i == len(layers) - 1:
            raw_fields = _raw_top_level(config)
            for attr in ("architecture", "config", "container", "container_config", "created", "docker_version", "os"):
                fields[attr] = raw_fields.get(attr)
        # containers/image's chain id: the digest of "<parent chain> <layer digest>".
        chain = (
            layer.digest if not chain else "sha256:" + hashlib.sha256(f"{chain} {layer.digest}".encode()).hexdigest()
        )
        layer_id = hashlib.sha256(_marshal_legacy(fields | {"layer_id": chain})).hexdigest()
        out.append((layer_id, _marshal_legacy(fields | {"id": layer_id})))
        parent = layer_id
    return out


class _Raw:
    """A JSON value kept as its (compacted) source text, as ``*json.RawMessage``."""

    def __init__(self, text: bytes) -> None:
        self.text = text


def _raw_top_level(config: bytes) -> dict[str, _Raw | None]:
    """The image config's top-level members as raw JSON (later duplicates win, as in Go)."""
    decoder = json.JSONDecoder()
    text = config.decode("utf-8")
    fields: dict[str, _Raw | None] = {}
    for key, (start, end) in _member_spans(text, decoder).items():
        raw = text[start:end].encode("utf-8")
        fields[key] = None if raw.strip() == b"null" else _Raw(go_compact(raw))
    return fields


def _member_spans(text: str, decoder: json.JSONDecoder) -> dict[str, tuple[int, int]]:
    """Source spans of the values of a JSON object's members."""
    ws = " \t\r\n"
    i = 0
    while text[i] in ws:
        i += 1
    if text[i] != "{":
        raise ValueError("the image config is not a JSON object")
    i += 1
    spans: dict[str, tuple[int, int]] = {}
    while True:
        while text[i] in ws:
            i += 1
        if text[i] == "}":
            return spans
        key, i = decoder.raw_decode(text, i)
        while text[i] in ws:
            i += 1
        assert text[i] == ":"
        i += 1
        while text[i] in ws:
            i += 1
        _value, end = decoder.raw_decode(text, i)
        spans[key] = (i, end)
        i = end
        while text[i] in ws:
            i += 1
        if text[i] == ",":
            i += 1


def _marshal_legacy(fields: dict[str, Any]) -> bytes:
    parts = []
    for key in sorted(fields):
        value = fields[key]
        if isinstance(value, _Raw):
            encoded = value.text
        elif value is None:
            encoded = b"null"
        else:
            encoded = go_json(value)
        parts.append(go_json(key) + b":" + encoded)
    return b"{" + b",".join(parts) + b"}"


class _Sha256Writer:
    """Passes writes through while hashing them: the archive's hash costs no second read of it."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._hash = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self._hash.update(data)
        return self._out.write(data)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def write_docker_archive(
    out: BinaryIO, layers: list[ArchiveLayer], config: bytes, config_digest: str, repo_tag: tuple[str, str]
) -> str:
    """Write one image as skopeo's docker-archive; ``repo_tag`` is the normalised (name, tag).

    Returns the sha256 (hex) of the bytes written, which is pullImage's output hash.
    """
    hashed = _Sha256Writer(out)
    tar = GoTarWriter(hashed)  # type: ignore[arg-type]
    written: set[str] = set()
    for layer in layers:
        if layer.digest in written:
            continue
        with open(layer.path, "rb") as f:
            tar.add_file(_hex(layer.digest) + ".tar", f, layer.size)
        written.add(layer.digest)
    config_name = _hex(config_digest) + ".json"
    tar.add_bytes(config_name, config)
    legacy = _legacy_configs(layers, config)
    seen_ids: set[str] = set()
    for layer, (layer_id, legacy_json) in zip(layers, legacy, strict=True):
        if layer_id in seen_ids:
            continue
        seen_ids.add(layer_id)
        tar.add_symlink(f"{layer_id}/layer.tar", f"../{_hex(layer.digest)}.tar")
        tar.add_bytes(f"{layer_id}/VERSION", b"1.0")
        tar.add_bytes(f"{layer_id}/json", legacy_json)
    name, tag = repo_tag
    layer_names = [_hex(la.digest) + ".tar" for la in layers]
    manifest = [{"Config": config_name, "RepoTags": [f"{name}:{tag}"], "Layers": layer_names}]
    tar.add_bytes("manifest.json", _manifest_json(manifest))
    repositories = {name: {tag: legacy[-1][0]}} if legacy else {}
    tar.add_bytes("repositories", go_json(repositories))
    tar.close()
    return hashed.hexdigest()


def _manifest_json(items: list[dict[str, Any]]) -> bytes:
    """``[]ManifestItem`` in Go's field order (Config, RepoTags, Layers)."""
    parts = [
        b'{"Config":' + go_json(i["Config"]) + b',"RepoTags":' + go_json(i["RepoTags"])
        + b',"Layers":' + go_json(i["Layers"]) + b"}"
        for i in items
    ]  # fmt: skip
    return b"[" + b",".join(parts) + b"]"


def _hex(digest: str) -> str:
    algo, _, hex_part = digest.partition(":")
    if algo != "sha256" or len(hex_part) != 64:
        raise ValueError(f"unexpected digest '{digest}'")
    return hex_part
