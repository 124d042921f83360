"""BLAKE3 in pure Python, for current Nix's ``blake3`` hash algorithm (feature ``blake3-hashes``).

Python's ``hashlib`` has no BLAKE3 and no wheel of the ``blake3`` package installs on pydock's
machines, so this follows the BLAKE3 specification (BLAKE3-team/BLAKE3, ``blake3.pdf``)
directly: 1 KiB chunks of 64-byte blocks compressed with a 7-round ChaCha-like function, chunk
chaining values merged pairwise into a binary tree as chunks complete, and the root node
compressed with the ROOT flag (its counter stepping for extendable output). Only the plain
hash mode is here: Nix uses no keyed or key-derivation mode.

It is slow next to the C implementation (about a megabyte per second): enough for
``hashString`` and ordinary ``hashFile`` calls. ``Blake3`` offers the ``hashlib`` interface
(``update``, ``digest``, ``hexdigest``, ``copy``), so NAR and file hashing can stream into it.
"""

from __future__ import annotations

import struct

__all__ = ["Blake3", "blake3"]

_IV = (0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19)
_PERMUTATION = (2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8)

_CHUNK_START = 1
_CHUNK_END = 2
_PARENT = 4
_ROOT = 8

_BLOCK_LEN = 64
_CHUNK_LEN = 1024
_MASK = 0xFFFFFFFF


def _schedules() -> tuple[tuple[int, ...], ...]:
    """The message word order of each of the 7 rounds: the spec permutes the block's words
    between rounds; indexing the original words by a precomputed order is the same."""
    order = tuple(range(16))
    out = []
    for _ in range(7):
        out.append(order)
        order = tuple(order[i] for i in _PERMUTATION)
    return tuple(out)


_SCHEDULES = _schedules()
_WORDS = struct.Struct("<16I")


def _compress(cv: tuple[int, ...], m: tuple[int, ...], counter: int, block_len: int, flags: int) -> list[int]:
    """The compression function: the full 16-word output (the first 8 are the chaining value)."""
    s0, s1, s2, s3, s4, s5, s6, s7 = cv
    s8, s9, s10, s11 = _IV[0], _IV[1], _IV[2], _IV[3]
    s12, s13, s14, s15 = counter & _MASK, (counter >> 32) & _MASK, block_len, flags
    for sched in _SCHEDULES:
        (x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15) = (m[i] for i in sched)
        # columns
        s0 = (s0 + s4 + x0) & _MASK
        s12 ^= s0
        s12 = ((s12 >> 16) | (s12 << 16)) & _MASK
        s8 = (s8 + s12) & _MASK
        s4 ^= s8
        s4 = ((s4 >> 12) | (s4 << 20)) & _MASK
        s0 = (s0 + s4 + x1) & _MASK
        s12 ^= s0
        s12 = ((s12 >> 8) | (s12 << 24)) & _MASK
        s8 = (s8 + s12) & _MASK
        s4 ^= s8
        s4 = ((s4 >> 7) | (s4 << 25)) & _MASK

        s1 = (s1 + s5 + x2) & _MASK
        s13 ^= s1
        s13 = ((s13 >> 16) | (s13 << 16)) & _MASK
        s9 = (s9 + s13) & _MASK
        s5 ^= s9
        s5 = ((s5 >> 12) | (s5 << 20)) & _MASK
        s1 = (s1 + s5 + x3) & _MASK
        s13 ^= s1
        s13 = ((s13 >> 8) | (s13 << 24)) & _MASK
        s9 = (s9 + s13) & _MASK
        s5 ^= s9
        s5 = ((s5 >> 7) | (s5 << 25)) & _MASK

        s2 = (s2 + s6 + x4) & _MASK
        s14 ^= s2
        s14 = ((s14 >> 16) | (s14 << 16)) & _MASK
        s10 = (s10 + s14) & _MASK
        s6 ^= s10
        s6 = ((s6 >> 12) | (s6 << 20)) & _MASK
        s2 = (s2 + s6 + x5) & _MASK
        s14 ^= s2
        s14 = ((s14 >> 8) | (s14 << 24)) & _MASK
        s10 = (s10 + s14) & _MASK
        s6 ^= s10
        s6 = ((s6 >> 7) | (s6 << 25)) & _MASK

        s3 = (s3 + s7 + x6) & _MASK
        s15 ^= s3
        s15 = ((s15 >> 16) | (s15 << 16)) & _MASK
        s11 = (s11 + s15) & _MASK
        s7 ^= s11
        s7 = ((s7 >> 12) | (s7 << 20)) & _MASK
        s3 = (s3 + s7 + x7) & _MASK
        s15 ^= s3
        s15 = ((s15 >> 8) | (s15 << 24)) & _MASK
        s11 = (s11 + s15) & _MASK
        s7 ^= s11
        s7 = ((s7 >> 7) | (s7 << 25)) & _MASK

        # diagonals
        s0 = (s0 + s5 + x8) & _MASK
        s15 ^= s0
        s15 = ((s15 >> 16) | (s15 << 16)) & _MASK
        s10 = (s10 + s15) & _MASK
        s5 ^= s10
        s5 = ((s5 >> 12) | (s5 << 20)) & _MASK
        s0 = (s0 + s5 + x9) & _MASK
        s15 ^= s0
        s15 = ((s15 >> 8) | (s15 << 24)) & _MASK
        s10 = (s10 + s15) & _MASK
        s5 ^= s10
        s5 = ((s5 >> 7) | (s5 << 25)) & _MASK

        s1 = (s1 + s6 + x10) & _MASK
        s12 ^= s1
        s12 = ((s12 >> 16) | (s12 << 16)) & _MASK
        s11 = (s11 + s12) & _MASK
        s6 ^= s11
        s6 = ((s6 >> 12) | (s6 << 20)) & _MASK
        s1 = (s1 + s6 + x11) & _MASK
        s12 ^= s1
        s12 = ((s12 >> 8) | (s12 << 24)) & _MASK
        s11 = (s11 + s12) & _MASK
        s6 ^= s11
        s6 = ((s6 >> 7) | (s6 << 25)) & _MASK

        s2 = (s2 + s7 + x12) & _MASK
        s13 ^= s2
        s13 = ((s13 >> 16) | (s13 << 16)) & _MASK
        s8 = (s8 + s13) & _MASK
        s7 ^= s8
        s7 = ((s7 >> 12) | (s7 << 20)) & _MASK
        s2 = (s2 + s7 + x13) & _MASK
        s13 ^= s2
        s13 = ((s13 >> 8) | (s13 << 24)) & _MASK
        s8 = (s8 + s13) & _MASK
        s7 ^= s8
        s7 = ((s7 >> 7) | (s7 << 25)) & _MASK

        s3 = (s3 + s4 + x14) & _MASK
        s14 ^= s3
        s14 = ((s14 >> 16) | (s14 << 16)) & _MASK
        s9 = (s9 + s14) & _MASK
        s4 ^= s9
        s4 = ((s4 >> 12) | (s4 << 20)) & _MASK
        s3 = (s3 + s4 + x15) & _MASK
        s14 ^= s3
        s14 = ((s14 >> 8) | (s14 << 24)) & _MASK
        s9 = (s9 + s14) & _MASK
        s4 ^= s9
        s4 = ((s4 >> 7) | (s4 << 25)) & _MASK
    return [
        s0 ^ s8, s1 ^ s9, s2 ^ s10, s3 ^ s11, s4 ^ s12, s5 ^ s13, s6 ^ s14, s7 ^ s15,
        s8 ^ cv[0], s9 ^ cv[1], s10 ^ cv[2], s11 ^ cv[3], s12 ^ cv[4], s13 ^ cv[5], s14 ^ cv[6], s15 ^ cv[7],
    ]  # fmt: skip


def _words(block: bytes) -> tuple[int, ...]:
    """A block as 16 little-endian words, zero-padded as the spec pads a short last block."""
    if len(block) < _BLOCK_LEN:
        block = block + bytes(_BLOCK_LEN - len(block))
    return _WORDS.unpack(block)


class _Output:
    """A node not yet compressed: either a chaining value for its parent or, at the root,
    the source of any number of output bytes."""

    __slots__ = ("cv", "block", "counter", "block_len", "flags")

    def __init__(self, cv: tuple[int, ...], block: tuple[int, ...], counter: int, block_len: int, flags: int) -> None:
        self.cv = cv
        self.block = block
        self.counter = counter
        self.block_len = block_len
        self.flags = flags

    def chaining_value(self) -> tuple[int, ...]:
        return tuple(_compress(self.cv, self.block, self.counter, self.block_len, self.flags)[:8])

    def root_bytes(self, length: int) -> bytes:
        out = bytearray()
        counter = 0
        while len(out) < length:
            words = _compress(self.cv, self.block, counter, self.block_len, self.flags | _ROOT)
            out += _WORDS.pack(*words)
            counter += 1
        return bytes(out[:length])


def _parent(left: tuple[int, ...], right: tuple[int, ...]) -> _Output:
    return _Output(_IV, left + right, 0, _BLOCK_LEN, _PARENT)


class Blake3:
    """Incremental BLAKE3 with ``hashlib``'s interface (name ``blake3``, 32-byte digest)."""

    name = "blake3"
    digest_size = 32
    block_size = _BLOCK_LEN

    def __init__(self, data: bytes = b"") -> None:
        self._stack: list[tuple[int, ...]] = []  # chaining values of complete subtrees
        self._chunk_counter = 0
        self._cv: tuple[int, ...] = _IV  # the current chunk's chaining value
        self._blocks_done = 0  # blocks of the current chunk already compressed
        self._buf = bytearray()  # the current chunk's bytes not yet compressed (at most a block)
        if data:
            self.update(data)

    def copy(self) -> Blake3:
        other = Blake3.__new__(Blake3)
        other._stack = list(self._stack)
        other._chunk_counter = self._chunk_counter
        other._cv = self._cv
        other._blocks_done = self._blocks_done
        other._buf = bytearray(self._buf)
        return other

    def _chunk_len(self) -> int:
        return self._blocks_done * _BLOCK_LEN + len(self._buf)

    def _start_flag(self) -> int:
        return _CHUNK_START if self._blocks_done == 0 else 0

    def update(self, data: bytes | bytearray | memoryview) -> None:
        view = memoryview(data).cast("B")
        pos = 0
        while pos < len(view):
            if self._chunk_len() == _CHUNK_LEN:
                # a full chunk followed by more input is not the root: fold it into the tree
                self._push_chunk(self._chunk_output().chaining_value())
            if len(self._buf) == _BLOCK_LEN:
                # a full block followed by more input of this chunk is not the chunk's last
                block = _words(bytes(self._buf))
                words = _compress(self._cv, block, self._chunk_counter, _BLOCK_LEN, self._start_flag())
                self._cv = tuple(words[:8])
                self._blocks_done += 1
                self._buf.clear()
            take = min(_BLOCK_LEN - len(self._buf), _CHUNK_LEN - self._chunk_len(), len(view) - pos)
            self._buf += view[pos : pos + take]
            pos += take

    def _chunk_output(self) -> _Output:
        flags = self._start_flag() | _CHUNK_END
        return _Output(self._cv, _words(bytes(self._buf)), self._chunk_counter, len(self._buf), flags)

    def _push_chunk(self, cv: tuple[int, ...]) -> None:
        """Merge a finished chunk into the stack: every trailing zero bit of the new chunk
        count completes one subtree, whose left half is on the stack."""
        total = self._chunk_counter + 1
        while total & 1 == 0:
            cv = _parent(self._stack.pop(), cv).chaining_value()
            total >>= 1
        self._stack.append(cv)
        self._chunk_counter += 1
        self._cv = _IV
        self._blocks_done = 0
        self._buf.clear()

    def digest(self, length: int = 32) -> bytes:
        """The first ``length`` bytes of the extendable output (32 is the standard hash)."""
        output = self._chunk_output()
        for left in reversed(self._stack):
            output = _parent(left, output.chaining_value())
        return output.root_bytes(length)

    def hexdigest(self, length: int = 32) -> str:
        return self.digest(length).hex()


def blake3(data: bytes = b"") -> Blake3:
    """``hashlib``-style constructor."""
    return Blake3(data)
