"""A separate pydock process for the crash and concurrency tests (run as a script).

``realise ROOT DRV``      realise one derivation and print its outputs as JSON;
``churn ROOT TAG START``  wait until the wall clock reaches START, then add shared and
                          private objects and build a shared and a private derivation.
"""

from __future__ import annotations

import json
import sys
import time

from localstore_support import shell_drv
from pydock.builders.realise import realise
from pydock.store.local import LocalStore


def churn(root: str, tag: str, start: float) -> dict[str, object]:
    store = LocalStore(root)
    while time.time() < start:
        time.sleep(0.001)
    shared = [store.add_text(f"shared-{i}", f"shared content {i}\n", []) for i in range(25)]
    private = [store.add_text(f"own-{tag}-{i}", f"{tag} {i} {shared[i]}", [shared[i]]) for i in range(10)]
    common = store.add_derivation(
        shell_drv("common", "sleep 0.3; mkdir $out; cat $src > $out/c", env={"src": shared[0]}, input_srcs={shared[0]})
    )
    mine = store.add_derivation(
        shell_drv(f"mine-{tag}", "cat $src > $out", env={"src": private[0]}, input_srcs={private[0]})
    )
    return {"common": realise(store, common), "mine": realise(store, mine), "added": shared + private}


def main() -> None:
    cmd = sys.argv[1]
    if cmd == "realise":
        print(json.dumps(realise(LocalStore(sys.argv[2]), sys.argv[3])), flush=True)
    elif cmd == "churn":
        print(json.dumps(churn(sys.argv[2], sys.argv[3], float(sys.argv[4]))), flush=True)
    else:
        raise SystemExit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
