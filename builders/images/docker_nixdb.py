"""The ``docker-nix-db`` builtin builder: the Nix database of an image with ``includeNixDB``.

nixpkgs fills ``nix/var/nix/db`` of the customisation layer by piping
``closureInfo { rootPaths = contents; }``'s registration into ``nix-store
--load-db`` (a store rooted in the layer) and then setting every
``registrationTime`` to ``$SOURCE_DATE_EPOCH``.  pydock writes the same rows
itself: the realiser has put the closure of the contents (Nix's structured
``exportReferencesGraph.closure``: sorted paths with ``narHash``, ``narSize`` and
``references``) in ``.attrs.json``, and :class:`pydock.store.db.StoreDB` creates a
database in Nix 2.8's schema, so the real ``nix-store`` can use the image's store.

Rows are what ``registerValidPaths`` would insert for a ``--load-db`` registration:
paths in store-path order, ``hash`` as ``sha256:<base-16>``, no deriver, no
signatures, no content address, ``ultimate`` unset; references in sorted order;
``.drv`` paths also get their ``DerivationOutputs`` rows.

The output is ``$out/nix/var/nix/db/{db.sqlite,schema}``; the Nix side copies it into
the layer and adds the ``gcroots/docker`` links.
"""

from __future__ import annotations

import json
import os

from pydock.builders.realisation.builtin_builders import BuildContext, builtin_builder
from pydock.store.db import StoreDB
from pydock.store.hashes import Hash

__all__ = ["docker_nix_db", "write_nix_db"]

SOURCE_DATE_EPOCH = 315532800
"""nixpkgs' stdenv value of ``SOURCE_DATE_EPOCH`` (1980-01-01), the registration time nixpkgs writes."""


def write_nix_db(
    db_dir: str,
    closure: list[dict],
    registration_time: int = SOURCE_DATE_EPOCH,
    derivation_outputs: dict[str, dict[str, str]] | None = None,
) -> None:
    """Create ``db_dir/db.sqlite`` and ``db_dir/schema`` registering ``closure`` (path-info JSON objects)."""
    os.makedirs(db_dir, exist_ok=True)
    nodes = sorted(closure, key=lambda node: node["path"])
    known = {node["path"] for node in nodes}
    for node in nodes:
        missing = [ref for ref in node.get("references") or [] if ref not in known]
        if missing:
            raise ValueError(f"reference '{missing[0]}' of '{node['path']}' is not in the closure")
    derivation_outputs = derivation_outputs or {}

    def body(conn) -> None:  # noqa: ANN001 - sqlite3.Connection
        ids: dict[str, int] = {}
        for node in nodes:
            nar_hash = Hash.parse_any_prefixed(node["narHash"])
            if nar_hash.algo != "sha256":
                raise ValueError(f"NAR hash of '{node['path']}' must be sha256")
            cur = conn.execute(
                "insert into ValidPaths (path, hash, registrationTime, deriver, narSize, ultimate, sigs, ca)"
                " values (?, ?, ?, null, ?, null, null, null)",
                (node["path"], "sha256:" + nar_hash.hex, registration_time, node["narSize"] or None),
            )
            ids[node["path"]] = cur.lastrowid
            for output, path in sorted(derivation_outputs.get(node["path"], {}).items()):
                conn.execute(
                    "insert or replace into DerivationOutputs (drv, id, path) values (?, ?, ?)",
                    (ids[node["path"]], output, path),
                )
        for node in nodes:
            for ref in sorted(node.get("references") or []):
                conn.execute(
                    "insert or replace into Refs (referrer, reference) values (?, ?)", (ids[node["path"]], ids[ref])
                )

    db = StoreDB(db_dir)
    try:
        db.transaction(body)
        # Fold the write-ahead log into db.sqlite so that the directory is complete by itself.
        db.query("pragma wal_checkpoint(truncate)")
    finally:
        db.close()
    for leftover in ("db.sqlite-wal", "db.sqlite-shm"):
        try:
            os.unlink(os.path.join(db_dir, leftover))
        except FileNotFoundError:
            pass


@builtin_builder("docker-nix-db")
def docker_nix_db(drv, ctx: BuildContext) -> None:
    with open(ctx.env["NIX_ATTRS_JSON_FILE"], encoding="utf-8") as f:
        attrs = json.load(f)
    closure = attrs.get("closure") or []
    invalid = [node["path"] for node in closure if node.get("valid") is False]
    if invalid:
        raise ValueError(f"path '{invalid[0]}' is not valid")
    drv_outputs = {
        node["path"]: ctx.store.derivation_output_paths(ctx.store.read_derivation(node["path"]))
        for node in closure
        if node["path"].endswith(".drv")
    }
    registration_time = int(attrs.get("registrationTime", SOURCE_DATE_EPOCH))
    out = ctx.outputs["out"]
    write_nix_db(os.path.join(out, "nix", "var", "nix", "db"), closure, registration_time, drv_outputs)
