"""Running a bash script on the host as root of private user, mount and PID namespaces.

Two dockerTools features need root-like powers over a directory tree that is
not the store: ``buildImage``'s ``runAsRoot`` (nixpkgs boots a VM) and
``enableFakechroot`` (nixpkgs uses ``proot``).  pydock's build sandbox is a
chroot, and the kernel refuses new user namespaces to a chrooted process, so
these builders run their script on the host instead, under
``unshare --user --map-root-user --mount --pid --fork``: bind mounts and
``chroot`` work there, nothing leaks to the host's mount table, and every
process dies with the namespace's PID 1.

Run by an ordinary user, only the caller's own uid and gid are mapped (to 0),
so ``chown`` to any other id fails (``fakeroot`` can record it instead).  Run
by root, pydock skips the user namespace: the script is real root inside its
own mount and PID namespaces, as it would be in nixpkgs' VM, so ``chown
1000:1000`` works and ``tar`` records it.  That is also root's power over the
host, which the chroot alone does not take away: like any build script run as
root, only run images you trust.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from collections.abc import Callable

from pydock.builders.errors import BuildError

__all__ = ["HOST_PATH", "NamespaceUnavailable", "run_in_host_namespaces"]

HOST_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
_NAMESPACES = ["--user", "--map-root-user", "--mount", "--pid", "--fork"]
_NAMESPACES_AS_ROOT = ["--mount", "--pid", "--fork"]


def _namespaces() -> list[str]:
    return _NAMESPACES_AS_ROOT if os.geteuid() == 0 else _NAMESPACES


class NamespaceUnavailable(BuildError, RuntimeError):
    """The host cannot create the namespaces (no ``unshare``, or user namespaces disabled)."""


@functools.cache
def _working_unshare() -> str | None:
    """``unshare`` if it can make the namespaces here (probed once per process)."""
    unshare = shutil.which("unshare", path=HOST_PATH)
    if unshare is None or subprocess.run([unshare, *_namespaces(), "true"], capture_output=True).returncode != 0:
        return None
    return unshare


def _unshare(feature: str) -> str:
    unshare = _working_unshare()
    if unshare is None:
        raise NamespaceUnavailable(
            f"{feature} needs private namespaces (unshare {' '.join(_namespaces())}), which are not available here"
        )
    return unshare


def run_in_host_namespaces(
    feature: str, script: str, env: dict[str, str], cwd: str, log: Callable[[str], None]
) -> None:
    """Run ``bash -c script`` in fresh namespaces; its output goes to ``log``; failure raises with the tail."""
    unshare = _unshare(feature)
    proc = subprocess.run(
        [unshare, *_namespaces(), "bash", "-c", script],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        check=False,
    )
    lines = proc.stdout.splitlines()
    for line in lines:
        log(line)
    if proc.returncode != 0:
        tail = "\n".join(lines[-20:])
        raise RuntimeError(f"{feature} failed with exit status {proc.returncode}:\n{tail}")
