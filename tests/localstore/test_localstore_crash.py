"""Crash safety and concurrency: kill -9 mid-build, and two pydock processes sharing one store."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from localstore_support import GATE_STEP, GATE_VAR, HANG_GUARD, SYSTEM, Gate, NixStore, flock_waiters, wait_until
from localstore_worker import COMMON_CONTENT, common_drv
from pydock.builders.realisation.realise import realise
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


def test_kill_9_mid_build_leaves_nothing_and_rerun_succeeds(
    store: LocalStore, store_root: Path, nix_view: NixStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A fixed-output derivation sees the host variables listed in impureEnvVars and the host
    # network: the first run's builder writes part of its output, then waits at the test's gate
    # (so the kill provably lands mid-build); the rerun has no gate and finishes at once.
    content = b"slow but sure\n"
    token = f"pydock-kill-test-{secrets.token_hex(4)}"
    script = f"export PATH=/usr/bin:/bin; set -e; printf 'slow but sure\\n' > $out; {GATE_STEP}"
    drv = Derivation(
        name="slow",
        outputs={"out": DerivationOutput.fixed(FileIngestionMethod.FLAT, hash_bytes("sha256", content))},
        platform=SYSTEM,
        builder="/bin/sh",
        args=["-c", script, token],
        env={"name": "slow", "system": SYSTEM, "builder": "/bin/sh", "impureEnvVars": GATE_VAR},
    )
    drv_path = store.add_derivation(drv)
    out = drv.outputs["out"].path
    gate = Gate()
    proc = subprocess.Popen(
        [sys.executable, WORKER, "realise", str(store_root), drv_path],
        env={**os.environ, GATE_VAR: str(gate.port)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    store_dir = Path(store.real_store_dir)
    try:
        gate.wait_entered()  # the builder is running and has written part of $out
        assert list(store_dir.glob(f"{TEMP_PREFIX}*/store/{os.path.basename(out)}")), "no partial output"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    gate.wait_gone()  # the builder's socket closed: the sandbox died with its parent
    gate.close()
    wait_until(lambda: not _processes_mentioning(token), "the rest of the build to be reaped")
    assert not store.is_valid(out)
    assert not os.path.lexists(store.real_path(out))

    monkeypatch.delenv(GATE_VAR, raising=False)
    rerun = LocalStore(str(store_root))  # a new process would start like this: stale temp dirs go
    assert not list(store_dir.glob(TEMP_PREFIX + "*"))
    assert realise(rerun, drv_path) == {"out": out}
    assert Path(rerun.real_path(out)).read_bytes() == content
    rerun.close()
    nix_view.verify()


def test_two_processes_one_store(store: LocalStore, store_root: Path, nix_view: NixStore) -> None:
    """Two processes add the same objects and build the same derivation at once.

    Start: both workers report ``ready`` and are released together with ``go``.  Race: the
    shared derivation's builder (in whichever worker locks its output first) waits at a gate
    until the other worker is seen blocked in ``flock`` on the same output lock (/proc/locks),
    so the contention provably happened; then the gate opens and both must finish.
    """
    shared_drv = common_drv()
    store.add_derivation(shared_drv)  # fills in the output path; the workers add the same .drv
    lock = store.real_path(shared_drv.outputs["out"].path) + ".lock"
    gate = Gate()
    env = {**os.environ, GATE_VAR: str(gate.port)}
    procs = [
        subprocess.Popen(
            [sys.executable, WORKER, "churn", str(store_root), tag],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for tag in ("a", "b")
    ]
    try:
        for p in procs:
            assert p.stdout is not None and p.stdout.readline().strip() == "ready"
        for p in procs:
            assert p.stdin is not None
            p.stdin.write("go\n")
            p.stdin.flush()
        gate.wait_entered()
        second_builder: list[bool] = []

        def contended() -> bool:
            if not gate.nobody_else_waiting():
                second_builder.append(True)  # no lock kept the other worker out: fail at once
            return bool(second_builder) or flock_waiters(lock) == 1

        wait_until(contended, "the second worker to wait for the shared build")
        assert not second_builder, "both workers ran the shared builder"
    finally:
        gate.close()
    results = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=HANG_GUARD)
        assert p.returncode == 0, stderr
        results.append(json.loads(stdout))
    a, b = results
    assert a["common"] == b["common"]
    assert Path(store.real_path(a["common"]["out"])).read_bytes() == COMMON_CONTENT
    assert a["mine"] != b["mine"]
    valid = store.query_all_valid_paths()
    for r in results:
        assert set(r["added"]) <= valid
        assert set(r["common"].values()) | set(r["mine"].values()) <= valid
    assert not [n for n in os.listdir(store.real_store_dir) if n.startswith(TEMP_PREFIX)]
    nix_view.verify()
    assert nix_view.closure(*valid) == valid
