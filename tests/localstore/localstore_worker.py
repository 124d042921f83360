"""A separate pydock process for the crash and concurrency tests (run as a script).

``realise ROOT DRV``   realise one derivation and print its outputs as JSON;
``churn ROOT TAG``     open the store, print ``ready``, wait for a ``go`` line on stdin (the
                       start barrier the test controls), then add shared and private objects and
                       build the shared derivation (:func:`common_drv`) and a private one.
"""

from __future__ import annotations

import json
import sys

from localstore_support import GATE_STEP, GATE_VAR, SYSTEM, shell_drv
from pydock.builders.realisation.realise import realise
from pydock.store.derivation import Derivation, DerivationOutput
from pydock.store.hashes import hash_bytes
from pydock.store.local import LocalStore
from pydock.store.paths import FileIngestionMethod

COMMON_CONTENT = b"common to both processes\n"


def common_drv() -> Derivation:
    """A fixed-output derivation both workers build; its builder waits at the test's gate."""
    script = f"export PATH=/usr/bin:/bin; set -e; {GATE_STEP}; printf 'common to both processes\\n' > $out"
    return Derivation(
        name="common",
        outputs={"out": DerivationOutput.fixed(FileIngestionMethod.FLAT, hash_bytes("sha256", COMMON_CONTENT))},
        platform=SYSTEM,
        builder="/bin/sh",
        args=["-c", script],
        env={"name": "common", "system": SYSTEM, "builder": "/bin/sh", "impureEnvVars": GATE_VAR},
    )


def churn(root: str, tag: str) -> dict[str, object]:
    store = LocalStore(root)
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        raise SystemExit("no go")
    shared = [store.add_text(f"shared-{i}", f"shared content {i}\n", []) for i in range(25)]
    private = [store.add_text(f"own-{tag}-{i}", f"{tag} {i} {shared[i]}", [shared[i]]) for i in range(10)]
    common = store.add_derivation(common_drv())
    mine = store.add_derivation(
        shell_drv(f"mine-{tag}", "cat $src > $out", env={"src": private[0]}, input_srcs={private[0]})
    )
    return {"common": realise(store, common), "mine": realise(store, mine), "added": shared + private}


def main() -> None:
    cmd = sys.argv[1]
    if cmd == "realise":
        print(json.dumps(realise(LocalStore(sys.argv[2]), sys.argv[3])), flush=True)
    elif cmd == "churn":
        print(json.dumps(churn(sys.argv[2], sys.argv[3])), flush=True)
    else:
        raise SystemExit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
