"""The ``docker-fakechroot-layer`` builtin builder: the customisation layer with ``enableFakechroot``.

nixpkgs runs ``fakeRootCommands`` under ``proot -r old_out`` (with ``/dev``,
``/proc``, ``/sys`` and the store bound in) and ``fakeroot``, so that absolute
paths in the commands (``mkdir /bin``) land in the layer and ``chown`` is
recorded.  pydock gets the same view without proot: the layer root, already
joined and with ``extraCommands`` applied by a sandboxed step (``root.tar`` of
the ``…-customisation-root`` input), is unpacked on the host, and the commands
run ``chroot``-ed into it inside user, mount and PID namespaces
(:mod:`.host_namespaces`), under the host's ``fakeroot``, with the store,
``/dev``, ``/proc`` and ``/sys`` bound in.  nixpkgs' commands find their tools
in the store; pydock's come from the host, so the host's ``/usr`` (and its
ELF interpreter, e.g. ``/lib64/ld-linux-x86-64.so.2``; libraries are then
found in ``/usr/lib/<triplet>``) are bound in too, only while the commands run
and only where the layer has no such path of its own.

``tar`` runs inside the same ``fakeroot`` session, so the ownership it records
is what the commands set; it writes to a descriptor opened outside the chroot.
Mount points pydock created are excluded, as nixpkgs excludes ``./dev``,
``./proc``, ``./sys`` and the store directory.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess

from pydock.builders.realisation.builtin_builders import BuildContext, builtin_builder
from pydock.builders.realisation.host_namespaces import HOST_PATH, run_in_host_namespaces
from pydock.store.hashes import hash_file

__all__ = ["docker_fakechroot_layer"]

EPOCH = "315532800"

# Runs as root of the namespaces, in the build directory, with `old_out` unpacked.
_INNER = r"""
set -euo pipefail
excludes=(--exclude=./dev --exclude=./proc --exclude=./sys --exclude=".$storeDir")
made=()
mountpoint() {  # mountpoint DIR: create DIR in the layer (and remember it) unless it exists
  local rel=$1 part=""
  IFS=/ read -ra parts <<< "$rel"
  for p in "${parts[@]}"; do
    part=${part:+$part/}$p
    if [ ! -e "old_out/$part" ] && [ ! -L "old_out/$part" ]; then
      mkdir "old_out/$part"
      made+=("$part")
    fi
  done
}
for d in dev proc sys; do mountpoint "$d"; done
mountpoint "${storeDir#/}"
mount --rbind /dev old_out/dev
mount -t proc proc old_out/proc 2>/dev/null || mount --rbind /proc old_out/proc
mount --rbind /sys old_out/sys 2>/dev/null || true
mount --rbind "$storeReal" "old_out/$storeDir"

# The host's tools: /usr, and the directory of the ELF interpreter.
if [ -e old_out/usr ] || [ -L old_out/usr ]; then
  echo "error: enableFakechroot: the layer has its own /usr, where pydock mounts the host's tools" \
    "that run fakeRootCommands (nixpkgs takes them from the store under proot)" >&2
  exit 1
fi
mountpoint usr
mount --rbind /usr old_out/usr
mount -o remount,bind,ro old_out/usr 2>/dev/null || true
# The ELF interpreter(s) of the host's tools, each bind-mounted on its own path
# (e.g. /lib64/ld-linux-x86-64.so.2) unless the layer already has that file.
for pair in $interpreters; do
  path=${pair%%=*} real=${pair#*=}
  [ -e "old_out$path" ] || [ -L "old_out$path" ] && continue
  mountpoint "$(dirname "${path#/}")"
  : > "old_out$path"
  made+=("${path#/}")
  mount --bind "$real" "old_out$path"
done
for m in "${made[@]}"; do
  case $m in dev|proc|sys|"${storeDir#/}") ;; *) excludes+=("--exclude=./$m") ;; esac
done

exec 3>"$out/layer.tar"
chroot old_out /usr/bin/env -i \
  PATH=/usr/bin:/usr/sbin HOME=/ TERM=dumb LC_ALL=C SOURCE_DATE_EPOCH="$SOURCE_DATE_EPOCH" \
  NIX_BUILD_CORES="${NIX_BUILD_CORES:-1}" FAKEROOTDONTTRYCHOWN=1 out="$out" \
  fakeRootCommands="$fakeRootCommands" excludes="${excludes[*]}" \
  /usr/bin/sh "$fakerootProgram" -- /usr/bin/bash -e -c '
    cd /
    eval "$fakeRootCommands"
    cd /
    tar --sort name $excludes --numeric-owner --mtime "@$SOURCE_DATE_EPOCH" --hard-dereference -cf - . >&3
  '
"""


def elf_interpreter(path: str) -> str | None:
    """The ``PT_INTERP`` of an ELF executable (``/lib64/ld-linux-x86-64.so.2``), None if static or not ELF."""
    with open(path, "rb") as f:
        ident = f.read(16)
        if ident[:4] != b"\x7fELF":
            return None
        is64, endian = ident[4] == 2, "<" if ident[5] == 1 else ">"
        if is64:
            f.seek(0x20)
            (phoff,) = struct.unpack(endian + "Q", f.read(8))
            f.seek(0x36)
        else:
            f.seek(0x1C)
            (phoff,) = struct.unpack(endian + "I", f.read(4))
            f.seek(0x2A)
        phentsize, phnum = struct.unpack(endian + "HH", f.read(4))
        for i in range(phnum):
            f.seek(phoff + i * phentsize)
            header = f.read(phentsize)
            if struct.unpack(endian + "I", header[:4])[0] != 3:  # PT_INTERP
                continue
            word, at_offset, at_size = ("Q", 8, 32) if is64 else ("I", 4, 16)
            width = struct.calcsize(word)
            (offset,) = struct.unpack(endian + word, header[at_offset : at_offset + width])
            (filesz,) = struct.unpack(endian + word, header[at_size : at_size + width])
            f.seek(offset)
            return f.read(filesz).rstrip(b"\0").decode()
    return None


def _interpreters() -> str:
    """``PATH=REAL`` for each ELF interpreter the host's tools start with (``/lib64/ld-linux-x86-64.so.2=…``)."""
    pairs: list[str] = []
    for tool in ("bash", "env", "tar", "sh"):
        found = shutil.which(tool, path="/usr/bin")
        interp = elf_interpreter(os.path.realpath(found)) if found else None
        if interp and not interp.startswith("/usr/"):
            pair = f"{interp}={os.path.realpath(interp)}"
            if pair not in pairs:
                pairs.append(pair)
    return " ".join(pairs)


@builtin_builder("docker-fakechroot-layer")
def docker_fakechroot_layer(drv, ctx: BuildContext) -> None:
    env = dict(ctx.env)
    for tool in ("tar", "fakeroot", "chroot", "bash"):
        if shutil.which(tool, path=HOST_PATH) is None:
            raise RuntimeError(f"dockerTools: enableFakechroot needs the host's {tool}, which is not installed")
    # Debian's fakeroot is an alternatives link through /etc, which the chroot does not show.
    fakeroot = os.path.realpath(shutil.which("fakeroot", path=HOST_PATH) or "fakeroot")
    if not fakeroot.startswith("/usr/"):
        raise RuntimeError(f"dockerTools: enableFakechroot needs fakeroot under /usr, found {fakeroot}")
    old_out = os.path.join(ctx.build_dir, "old_out")
    os.mkdir(old_out)
    # The joined root as the sandboxed step left it (modes and symlinks as extraCommands made them).
    subprocess.run(
        ["tar", "-C", old_out, "--no-same-owner", "-xpf", ctx.real_path(env["root"] + "/root.tar")],
        check=True,
        env={"PATH": HOST_PATH, "LC_ALL": "C"},
    )
    os.mkdir(ctx.outputs["out"])
    env.update(
        {
            "out": ctx.outputs["out"],
            "storeReal": ctx.store.real_store_dir,
            "PATH": HOST_PATH,
            "HOME": "/homeless-shelter",
            "SOURCE_DATE_EPOCH": env.get("SOURCE_DATE_EPOCH") or EPOCH,
            "interpreters": _interpreters(),
            "fakerootProgram": fakeroot,
        }
    )
    run_in_host_namespaces("dockerTools: enableFakechroot", _INNER, env, ctx.build_dir, ctx.log)
    digest = hash_file("sha256", os.path.join(ctx.outputs["out"], "layer.tar")).hex
    with open(os.path.join(ctx.outputs["out"], "checksum"), "w", encoding="ascii") as f:
        f.write(digest + "\n")
    # The unpacked root may hold read-only directories made by the commands; let the build dir go.
    subprocess.run(["chmod", "-R", "u+w", old_out], check=False, env={"PATH": HOST_PATH})
