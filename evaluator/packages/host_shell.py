"""The host's ``/bin/sh`` as a self-contained store path: ``pkgs.pydockHostShell`` (pydock-only).

Without a package index pydock's ``<nixpkgs>`` has no shell package, yet an image whose
``Cmd`` is a ``#!/bin/sh`` script needs one inside the image.  This module copies the
host's shell into a directory laid out as a root file system: the program at ``bin/sh``,
its ELF interpreter at the absolute path the kernel will open (``PT_INTERP``, e.g.
``lib64/ld-linux-x86-64.so.2``) and every shared library at the absolute path the
loader will open inside the image.  ``chroot`` into the directory alone runs the shell.

Why the loader is asked (``LOADER --inhibit-cache --list PROGRAM``) instead of resolving
``DT_NEEDED`` entries here: the loader is the authority on its own search (``DT_RUNPATH``
with ``$ORIGIN``, the ``glibc-hwcaps`` subdirectories, the default directories compiled
into it, the transitive closure), and re-implementing that would be a second, subtly
different loader.  ``--inhibit-cache`` makes it search as it will inside the image, which
has no ``/etc/ld.so.cache``: a library the host finds only through its cache is reported
``not found`` and becomes an error here, not an image whose shell cannot start.  Only
``PT_INTERP`` is read from the ELF file itself, because it names the loader to ask (a
static shell, e.g. ``busybox-static``, has none and needs nothing else).

Why at evaluation time, like ``builtins.path``: the result must be content-addressed
(its store path is the hash of what it holds, so hosts with different shells get
different paths and one host always gets the same path), and a content-addressed path
has to be known when the derivations that use it are written.  A build step could only
produce it as a fixed-output derivation, whose hash evaluation would have to compute
anyway.  So the tree is assembled in a temporary directory and added to the store as
``builtins.path`` would add it; ``pydock eval`` only computes the path.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import tempfile
from typing import Any

HOST_SHELL = "/bin/sh"
STORE_NAME = "pydock-host-shell"
_PT_INTERP = 3


class HostShellError(Exception):
    """The host's shell cannot be copied into a self-contained store path."""


def elf_interpreter(program: str) -> str | None:
    """The ``PT_INTERP`` path of an ELF executable, or None for a static one."""
    with open(program, "rb") as f:
        ident = f.read(16)
        if ident[:4] != b"\x7fELF":
            raise HostShellError(f"'{program}' is not an ELF executable")
        wide, endian = ident[4] == 2, "<" if ident[5] == 1 else ">"
        word = "Q" if wide else "I"
        header = f.read(48 if wide else 36)
        # e_phoff, then e_phentsize and e_phnum, at the offsets of the 64- or 32-bit header (after e_ident)
        phoff = struct.unpack_from(endian + word, header, 16 if wide else 12)[0]
        phentsize, phnum = struct.unpack_from(endian + "HH", header, 38 if wide else 26)
        f.seek(phoff)
        table = f.read(phentsize * phnum)
        for i in range(phnum):
            entry = table[i * phentsize : (i + 1) * phentsize]
            if struct.unpack_from(endian + "I", entry, 0)[0] != _PT_INTERP:
                continue
            # p_offset and p_filesz of Elf64_Phdr / Elf32_Phdr
            offset = struct.unpack_from(endian + word, entry, 8 if wide else 4)[0]
            size = struct.unpack_from(endian + word, entry, 32 if wide else 16)[0]
            f.seek(offset)
            return f.read(size).rstrip(b"\0").decode("utf-8", "surrogateescape")
    return None


def loaded_libraries(program: str, interpreter: str) -> list[str]:
    """The absolute paths the loader opens for ``program`` when no ``ld.so.cache`` exists (see module doc)."""
    try:
        proc = subprocess.run(
            [interpreter, "--inhibit-cache", "--list", program],
            capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin", "LC_ALL": "C"},
        )  # fmt: skip
    except OSError as e:
        raise HostShellError(f"cannot run the loader '{interpreter}': {e.strerror}") from None
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip()
        raise HostShellError(f"the loader '{interpreter}' cannot list what '{program}' loads: {detail}")
    paths = []
    for line in proc.stdout.splitlines():
        line = line.strip()
        if "=> not found" in line:
            name = line.split()[0]
            raise HostShellError(
                f"'{program}' needs '{name}', which the loader finds only through the host's ld.so.cache"
            )
        m = re.match(r"(?:\S+ => )?(/\S+) \(0x[0-9a-f]+\)$", line)
        if m:  # the vDSO line (no path) is the kernel's, not a file
            paths.append(m.group(1))
    return paths


def assemble(dest: str, shell: str = HOST_SHELL) -> None:
    """Lay out ``shell`` (as ``bin/sh``), its interpreter and libraries under the empty directory ``dest``."""
    program = os.path.realpath(shell)
    if not os.path.isfile(program):
        raise HostShellError(f"the host has no shell at '{shell}'")
    files = {"/bin/sh": program}
    interpreter = elf_interpreter(program)
    if interpreter is not None:
        files[interpreter] = interpreter
        for lib in loaded_libraries(program, interpreter):
            files[lib] = lib
    for inside, source in sorted(files.items()):
        target = os.path.join(dest, inside.lstrip("/"))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        # The file's bytes, not the host's symlink: /lib64/ld-linux-x86-64.so.2 points into /lib.
        shutil.copyfile(os.path.realpath(source), target)
        os.chmod(target, 0o555)


def add_host_shell(store: Any, shell: str = HOST_SHELL) -> str:
    """Assemble the host shell's tree and add it to ``store`` as ``builtins.path`` would: its store path."""
    with tempfile.TemporaryDirectory(prefix="pydock-host-shell-") as tmp:
        root = os.path.join(tmp, STORE_NAME)
        os.mkdir(root)
        try:
            assemble(root, shell)
        except OSError as e:
            raise HostShellError(f"copying the host's shell: {e.filename}: {e.strerror}") from None
        return store.add_path(root, STORE_NAME)
