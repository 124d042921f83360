#!/usr/bin/env python3
"""A docker credential helper for the tests, implementing the documented protocol.

docker/docker-credential-helpers defines it: ``docker-credential-NAME ACTION`` where ACTION is

* ``store``: stdin is ``{"ServerURL", "Username", "Secret"}``; remember it;
* ``get``: stdin is the server address; print ``{"ServerURL", "Username", "Secret"}``, or print
  ``credentials not found in native keychain`` and exit 1;
* ``erase``: stdin is the server address; forget it;
* ``list``: print ``{"ServerURL": "Username", …}``.

The "keychain" is the JSON file ``$PYDOCK_TEST_CRED_STORE``; every request is appended to
``$PYDOCK_TEST_CRED_LOG`` (action and stdin) so tests see what clients sent.
``$PYDOCK_TEST_CRED_MODE`` makes it misbehave: ``fail`` (exit 2 with a message),
``badjson`` (exit 0, not JSON), ``secret-and-fail`` (a JSON answer with exit 1).

It stands in for a real helper where none can be installed (Debian's
golang-docker-credential-helpers needs ``pass`` and GnuPG or a desktop keyring).
"""

import json
import os
import sys

NOT_FOUND = "credentials not found in native keychain"


def main() -> int:
    action = sys.argv[1] if len(sys.argv) > 1 else ""
    data = sys.stdin.read()
    store_file = os.environ["PYDOCK_TEST_CRED_STORE"]
    with open(os.environ["PYDOCK_TEST_CRED_LOG"], "a") as log:
        log.write(json.dumps([action, data]) + "\n")
    try:
        with open(store_file) as f:
            store = json.load(f)
    except FileNotFoundError:
        store = {}
    mode = os.environ.get("PYDOCK_TEST_CRED_MODE", "")
    if action == "store":
        entry = json.loads(data)
        store[entry["ServerURL"]] = {"Username": entry["Username"], "Secret": entry["Secret"]}
    elif action == "erase":
        store.pop(data.strip(), None)
    elif action == "list":
        print(json.dumps({url: e["Username"] for url, e in store.items()}))
        return 0
    elif action == "get":
        server = data.strip()
        if mode == "fail":
            print("the keychain is locked", file=sys.stderr)
            return 2
        if mode == "badjson":
            print("this is not json")
            return 0
        entry = store.get(server)
        if entry is None:
            print(NOT_FOUND)
            return 1
        print(json.dumps({"ServerURL": server, **entry}))
        return 1 if mode == "secret-and-fail" else 0
    else:
        print(f"unknown action {action!r}", file=sys.stderr)
        return 1
    with open(store_file, "w") as f:
        json.dump(store, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
