"""Crash safety and concurrency: kill -9 mid-build, and two pydock processes sharing one store."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from localstore_support import SYSTEM, NixStore
from pydock.builders.realise import realise
from pydock.store.derivation import Derivation, DerivationOutput
from pydock.store.hashes import hash_bytes
from pydock.store.local import TEMP_PREFIX, LocalStore
from pydock.store.paths import FileIngestionMethod

pytestmark = pytest.mark.usefixtures("sandbox")

WORKER = str(Path(__file__).with_name("localstore_worker.py"))


def _processes_mentioning(token: str) -> list[int]:
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if token.encode() in f.read():
                    found.append(int(pid))
        except OSError:
            continue
    return found


def _wait_for(cond, timeout: float, what: str) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def test_kill_9_mid_build_leaves_nothing_and_rerun_succeeds(
    store: LocalStore, store_root: Path, nix_view: NixStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A fixed-output derivation may see host variables listed in impureEnvVars, which lets the
    # same derivation sleep in the first (killed) run and finish at once in the second.
    content = b"slow but sure\n"
    token = f"pydock-kill-test-{secrets.token_hex(4)}"
    drv = Derivation(
        name="slow",
        outputs={"out": DerivationOutput.fixed(FileIngestionMethod.FLAT, hash_bytes("sha256", content))},
        platform=SYSTEM,
        builder="/bin/sh",
        args=["-c", "export PATH=/usr/bin:/bin; printf 'slow but sure\\n' > $out; sleep $PYDOCK_TEST_DELAY", token],
        env={"name": "slow", "system": SYSTEM, "builder": "/bin/sh", "impureEnvVars": "PYDOCK_TEST_DELAY"},
    )
    drv_path = store.add_derivation(drv)
    out = drv.outputs["out"].path
    delay = f"30.{secrets.randbelow(10**6):06d}"
    proc = subprocess.Popen(
        [sys.executable, WORKER, "realise", str(store_root), drv_path],
        env={**os.environ, "PYDOCK_TEST_DELAY": delay},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    store_dir = Path(store.real_store_dir)
    partial = lambda: list(store_dir.glob(f"{TEMP_PREFIX}*/store/{os.path.basename(out)}"))  # noqa: E731
    try:
        _wait_for(lambda: partial() and _processes_mentioning(delay), 10, "the builder to start writing")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    _wait_for(lambda: not _processes_mentioning(token) and not _processes_mentioning(delay), 5, "the build to die")
    assert not store.is_valid(out)
    assert not os.path.lexists(store.real_path(out))

    monkeypatch.setenv("PYDOCK_TEST_DELAY", "0")
    rerun = LocalStore(str(store_root))  # a new process would start like this: stale temp dirs go
    assert not list(store_dir.glob(TEMP_PREFIX + "*"))
    assert realise(rerun, drv_path) == {"out": out}
    assert Path(rerun.real_path(out)).read_bytes() == content
    rerun.close()
    nix_view.verify()


def test_two_processes_one_store(store: LocalStore, store_root: Path, nix_view: NixStore) -> None:
    start = time.time() + 0.6  # both workers are importing meanwhile; then they go at once
    procs = [
        subprocess.Popen(
            [sys.executable, WORKER, "churn", str(store_root), tag, str(start)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag in ("a", "b")
    ]
    results = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=60)
        assert p.returncode == 0, stderr
        results.append(json.loads(stdout))
    a, b = results
    assert a["common"] == b["common"]
    assert a["mine"] != b["mine"]
    valid = store.query_all_valid_paths()
    for r in results:
        assert set(r["added"]) <= valid
        assert set(r["common"].values()) | set(r["mine"].values()) <= valid
    assert not [n for n in os.listdir(store.real_store_dir) if n.startswith(TEMP_PREFIX)]
    nix_view.verify()
    assert nix_view.closure(*valid) == valid
