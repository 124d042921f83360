"""Finding the store paths a file tree refers to.

After a build Nix does not ask what an output depends on: it looks.  The NAR
serialisation of the output is searched for the 32-character hash part of
every path the build could have referenced (the input closure and the outputs
themselves, as Nix's ``RefScanSink`` does), and whichever appear are the
output's references.  Only hash parts are searched, so ``/nix/store/<hash>-foo/bin``,
a bare ``<hash>`` or a symlink target all count, wherever in the NAR (contents,
file names, link targets) the 32 characters appear contiguously.

Candidates can only occur inside runs of nix-base32 characters, so the scan
finds such runs with a regular expression (in C) and only looks inside runs of
at least 32 characters; a run crossing a chunk boundary is caught by carrying
the last 31 bytes over.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from .base32 import BASE32_ALPHABET
from .hashes import Hash
from .nar import iter_nar

__all__ = ["RefScanner", "scan_path", "HASH_PART_LEN"]

HASH_PART_LEN = 32
_RUN = re.compile(b"[" + re.escape(BASE32_ALPHABET.encode()) + b"]{%d,}" % HASH_PART_LEN)


class RefScanner:
    """Incrementally searches a byte stream for a set of hash parts."""

    def __init__(self, hash_parts: Iterable[str]) -> None:
        self._wanted = {h.encode("ascii") for h in hash_parts}
        self.found: set[str] = set()
        self._tail = b""

    def feed(self, data: bytes) -> None:
        if not self._wanted or not data:
            return
        buf = self._tail + data
        for m in _RUN.finditer(buf):
            self._search_run(m.group())
            if not self._wanted:
                break
        self._tail = buf[-(HASH_PART_LEN - 1) :]

    def _search_run(self, run: bytes) -> None:
        windows = len(run) - HASH_PART_LEN + 1
        wanted = self._wanted
        if windows <= 4 * len(wanted):
            for i in range(windows):
                w = run[i : i + HASH_PART_LEN]
                if w in wanted:
                    wanted.discard(w)
                    self.found.add(w.decode("ascii"))
        else:
            for w in [w for w in wanted if w in run]:
                wanted.discard(w)
                self.found.add(w.decode("ascii"))


def scan_path(path: str, hash_parts: Iterable[str]) -> tuple[set[str], Hash, int]:
    """NAR-serialise ``path`` once: the hash parts found in it, its NAR sha256 and NAR size."""
    scanner = RefScanner(hash_parts)
    hasher = hashlib.sha256()
    size = 0
    for piece in iter_nar(path):
        hasher.update(piece)
        scanner.feed(piece)
        size += len(piece)
    return scanner.found, Hash("sha256", hasher.digest()), size
