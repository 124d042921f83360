"""Helpers for the LocalStore tests: real Nix 2.8 as the oracle, and test derivations.

Nix always runs against private stores (``--store local?root=DIR``) and with
substituters off.  To let Nix *build* a derivation pydock wrote, the closure of
the ``.drv`` is exported from pydock's store and imported into a fresh Nix
store (which also proves that Nix reads pydock's store correctly), then Nix
builds it in its sandbox with the host's ``/bin``, ``/usr`` and libraries
bind-mounted, the same host impurity pydock's sandbox has.
"""

from __future__ import annotations

import json
import os
import platform
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

from pydock.store.derivation import Derivation, DerivationOutput

SANDBOX_PATHS = "/bin? /usr? /lib? /lib64? /etc?"
SYSTEM = f"{platform.machine()}-linux"


def make_writable(root: Path) -> None:
    """Give the owner write permission everywhere under ``root`` so pytest can clean it up."""
    for dirpath, dirnames, _ in os.walk(root):
        for d in dirnames:
            p = os.path.join(dirpath, d)
            if not os.path.islink(p):
                os.chmod(p, stat.S_IMODE(os.lstat(p).st_mode) | stat.S_IRWXU)
    if root.exists():
        os.chmod(root, stat.S_IMODE(os.lstat(root).st_mode) | stat.S_IRWXU)


class NixFailed(Exception):
    def __init__(self, cmd: list[str], stderr: str) -> None:
        super().__init__(f"{' '.join(cmd)} failed:\n{stderr}")
        self.stderr = stderr


@dataclass
class NixStore:
    """Real Nix commands against one store root."""

    root: Path
    store_dir: str = "/nix/store"

    @property
    def uri(self) -> str:
        extra = "" if self.store_dir == "/nix/store" else f"&store={self.store_dir}"
        return f"local?root={self.root}{extra}"

    def run(self, tool: str, *args: str, stdin: bytes | None = None) -> bytes:
        cmd = [tool, "--store", self.uri, *args]
        env = {k: v for k, v in os.environ.items() if not k.startswith("NIX_")}
        env["NIX_CONFIG"] = f"substituters =\nsandbox-paths = {SANDBOX_PATHS}\ncores = {os.cpu_count() or 1}"
        proc = subprocess.run(cmd, input=stdin, capture_output=True, env=env, check=False)
        if proc.returncode != 0:
            raise NixFailed(cmd, proc.stderr.decode("utf-8", "replace"))
        return proc.stdout

    def lines(self, *args: str) -> list[str]:
        return self.run("nix-store", *args).decode().splitlines()

    def verify(self) -> str:
        """``--verify --check-contents``; returns stderr-less output, raises on any reported problem."""
        cmd = ["nix-store", "--store", self.uri, "--verify", "--check-contents"]
        proc = subprocess.run(cmd, capture_output=True, check=False)
        err = proc.stderr.decode()
        problems = [
            line
            for line in err.splitlines()
            if line
            and not line.startswith(("reading the Nix store", "checking path existence", "checking link hashes"))
            and not line.startswith("checking store hashes")
        ]
        if proc.returncode != 0 or problems:
            raise AssertionError(f"nix-store --verify failed ({proc.returncode}):\n{err}")
        return err

    def closure(self, *paths: str) -> set[str]:
        return set(self.lines("-qR", *paths))

    def path_infos(self, *paths: str) -> dict[str, dict]:
        """What Nix reports about ``paths`` (``nix path-info --json``), minus the registration time."""
        out = self.run("nix", "--extra-experimental-features", "nix-command", "path-info", "--json", *paths)
        infos = {}
        for entry in json.loads(out):
            entry.pop("registrationTime", None)
            infos[entry["path"]] = entry
        return infos

    def dump(self, path: str) -> bytes:
        """The NAR of ``path`` read through the store.

        (``nix-store --dump`` would not do: in Nix 2.8 it serialises the given
        file-system path directly, ignoring ``--store``'s root.)
        """
        return self.run("nix", "--extra-experimental-features", "nix-command", "store", "dump-path", path)

    def import_closure_from(self, other: NixStore, *paths: str) -> None:
        """Copy the closure of ``paths`` from ``other`` (e.g. pydock's store) via export/import."""
        closure = sorted(other.closure(*paths))
        exported = other.run("nix-store", "--export", *closure)
        self.run("nix-store", "--import", stdin=exported)

    def realise(self, drv_path: str) -> list[str]:
        return self.lines("--realise", drv_path)


def shell_drv(
    name: str,
    script: str,
    outputs: tuple[str, ...] = ("out",),
    env: dict[str, str] | None = None,
    input_srcs: set[str] | None = None,
    input_drvs: dict[str, set[str]] | None = None,
) -> Derivation:
    """A derivation running ``script`` with the host's /bin/sh (PATH set to the host's tools)."""
    full_env = {
        "name": name,
        "system": SYSTEM,
        "builder": "/bin/sh",
        **({"outputs": " ".join(outputs)} if outputs != ("out",) else {}),
        **(env or {}),
    }
    return Derivation(
        name=name,
        outputs={o: DerivationOutput() for o in outputs},
        input_srcs=set(input_srcs or ()),
        input_drvs={k: set(v) for k, v in (input_drvs or {}).items()},
        platform=SYSTEM,
        builder="/bin/sh",
        args=["-c", "export PATH=/usr/bin:/bin; set -e; " + script],
        env=full_env,
    )


# -- explicit synchronisation with builders and other processes ------------------------------

#: Environment variable naming the TCP port of a :class:`Gate` (passed through ``impureEnvVars``).
GATE_VAR = "PYDOCK_TEST_GATE"

#: Shell step that, when ``$PYDOCK_TEST_GATE`` is set, connects to the gate and blocks until the
#: test releases it.  Only fixed-output derivations share the host network, so only they can use it.
GATE_STEP = (
    f'if [ -n "${GATE_VAR}" ]; then /usr/bin/python3 -c '
    f'\'import os, socket; socket.create_connection(("127.0.0.1", int(os.environ["{GATE_VAR}"]))).recv(1)\'; fi'
)

#: Upper bound on any single wait below.  It only stops a broken build from hanging CI; no test
#: relies on it for ordering (each wait is for an observed event, not for time to pass).
HANG_GUARD = 120.0


class Gate:
    """A TCP listener on 127.0.0.1 that a builder running :data:`GATE_STEP` connects to.

    ``wait_entered`` returns once a builder has reached the step (so it is provably running);
    that builder stays blocked until ``release``.  ``wait_gone`` returns once the builder's end
    of the connection is closed, i.e. the builder process is dead.
    """

    def __init__(self) -> None:
        import socket

        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(HANG_GUARD)
        self.port = self._server.getsockname()[1]
        self._conns: list = []

    def wait_entered(self) -> None:
        conn, _ = self._server.accept()
        conn.settimeout(HANG_GUARD)
        self._conns.append(conn)

    def nobody_else_waiting(self) -> bool:
        """Whether no second builder has connected (checked without waiting)."""
        self._server.setblocking(False)
        try:
            conn, _ = self._server.accept()
        except BlockingIOError:
            return True
        finally:
            self._server.settimeout(HANG_GUARD)
        conn.close()
        return False

    def wait_gone(self) -> None:
        import contextlib

        for conn in self._conns:
            with contextlib.suppress(ConnectionResetError):
                assert conn.recv(1) == b"", "the builder sent data instead of dying"

    def release(self) -> None:
        for conn in self._conns:
            conn.close()
        self._conns.clear()

    def close(self) -> None:
        self.release()
        self._server.close()


def wait_until(condition, what: str) -> None:  # noqa: ANN001
    """Poll ``condition`` (an observable state, e.g. a lock waiter in /proc/locks) until it holds."""
    import time

    deadline = time.monotonic() + HANG_GUARD
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"hang guard: {what} never happened")
        time.sleep(0.005)


def flock_waiters(lock_file: str) -> int:
    """How many processes are blocked in ``flock`` on ``lock_file`` (``->`` entries of /proc/locks)."""
    try:
        st = os.stat(lock_file)
    except FileNotFoundError:
        return 0
    suffix = f":{st.st_ino}"
    count = 0
    with open("/proc/locks") as f:
        for line in f:
            fields = line.split()
            if len(fields) > 6 and fields[1] == "->" and fields[2] == "FLOCK" and fields[6].endswith(suffix):
                count += 1
    return count
