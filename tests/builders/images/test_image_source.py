"""Reading layers back: decompression by magic, checked digests."""

from __future__ import annotations

import gzip
import hashlib
import shutil
import subprocess

import pytest
from pydock.builders.images.image_source import ImageFormatError, SourceLayer, _checked, decompressed_chunks


def test_concatenated_gzip_members_decompress_like_gzip_d() -> None:
    """pigz and `cat a.gz b.gz` make multi-member gzip files; `gzip -d` reads all members."""
    data = gzip.compress(b"a" * 100_000) + gzip.compress(b"b" * 5_000)
    pieces = iter([data[:37], data[37:70_000], data[70_000:]])
    out = b"".join(decompressed_chunks(pieces, "layer"))
    if shutil.which("gzip"):
        assert out == subprocess.run(["gzip", "-dc"], input=data, capture_output=True, check=True).stdout
    assert out == gzip.decompress(data)


def test_checked_layer_fails_on_other_content() -> None:
    digest = "sha256:" + hashlib.sha256(b"right").hexdigest()
    layer = SourceLayer(digest, lambda: _checked(iter([b"wrong"]), digest, "layer 1"))
    with pytest.raises(ImageFormatError, match="layer 1 does not match its digest"):
        b"".join(layer.tar_chunks())
