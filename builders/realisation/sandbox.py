"""Running a program builder in a sandbox where the logical store directory resolves.

A derivation names its inputs and outputs by logical paths (``/nix/store/…``)
while the store's files live under a root directory, so the builder has to run
where those paths exist: a private mount namespace with a chroot, set up by
``_sandbox_child.py`` (see there).  This is also what Nix 2.8 itself does for a
store whose logical and physical directories differ: it forces its chroot
sandbox on.

The builder's stdout and stderr go to a pseudo-terminal in raw mode, as in
Nix, and are handed to the caller chunk by chunk for the log.  The child dies
with pydock: the helper asks the kernel to kill it if its parent goes away,
and the builder is PID 1 of its own PID namespace, so all its descendants go
with it.
"""

from __future__ import annotations

import errno
import json
import os
import select
import signal
import subprocess
import sys
import tty
from collections.abc import Callable
from dataclasses import dataclass

from pydock.builders.errors import BuildError

__all__ = ["SandboxError", "SandboxSpec", "run_sandboxed", "describe_status"]

_CHILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_sandbox_child.py")


class SandboxError(BuildError):
    """The sandbox could not be set up (no namespaces, a failed mount …); the builder never ran."""


@dataclass
class SandboxSpec:
    """What to run and what the builder must see.

    ``inputs`` maps each logical input path to its real location;
    ``outputs_dir`` is the real directory that appears as the logical store
    directory (outputs created there survive the sandbox); ``network`` shares
    the host network (fixed-output derivations only, as in Nix).
    """

    builder: str
    args: list[str]
    env: dict[str, str]
    store_dir: str
    outputs_dir: str
    inputs: dict[str, str]
    build_dir: str
    chroot_dir: str
    network: bool


def describe_status(returncode: int) -> str:
    """Nix's ``statusToString`` for a ``subprocess`` return code (negative = killed by a signal)."""
    if returncode >= 0:
        return f"failed with exit code {returncode}"
    sig = -returncode
    try:
        desc = signal.strsignal(sig)
    except ValueError:
        desc = None
    return f"failed due to signal {sig} ({desc})" if desc else f"failed due to signal {sig}"


def run_sandboxed(spec: SandboxSpec, on_output: Callable[[bytes], None]) -> int:
    """Run the builder to completion, streaming its output; returns its exit code (negative: signal)."""
    config_path = os.path.join(os.path.dirname(spec.chroot_dir), "sandbox.json")
    cfg = {
        "parent_pid": os.getpid(),
        "builder": spec.builder,
        "args": spec.args,
        "env": spec.env,
        "store_dir": spec.store_dir,
        "outputs_dir": spec.outputs_dir,
        "inputs": sorted(spec.inputs.items()),
        "build_dir": spec.build_dir,
        "chroot_dir": spec.chroot_dir,
        "network": spec.network,
    }
    fd = os.open(config_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(cfg, f)
    master, slave = os.openpty()
    status_r, status_w = os.pipe()
    try:
        tty.setraw(slave)
        proc = subprocess.Popen(
            [sys.executable, "-I", "-S", _CHILD, config_path, str(status_w)],
            stdin=subprocess.DEVNULL,
            stdout=slave,
            stderr=slave,
            pass_fds=(status_w,),
            close_fds=True,
            start_new_session=True,
        )
    except BaseException:
        for x in (master, slave, status_r, status_w):
            os.close(x)
        raise
    os.close(slave)
    os.close(status_w)
    status = b""
    try:
        open_fds = {master, status_r}
        while open_fds:
            ready, _, _ = select.select(list(open_fds), [], [])
            for r in ready:
                try:
                    data = os.read(r, 65536)
                except OSError as e:
                    if e.errno != errno.EIO:  # EIO: every holder of the terminal's other side is gone
                        raise
                    data = b""
                if not data:
                    open_fds.discard(r)
                elif r == master:
                    on_output(data)
                else:
                    status += data
        returncode = proc.wait()
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    finally:
        os.close(master)
        os.close(status_r)
        try:
            os.unlink(config_path)
        except FileNotFoundError:
            pass
    if status.startswith(b"\x01"):
        raise SandboxError(status[1:].decode("utf-8", "replace"))
    return returncode
