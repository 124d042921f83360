"""Both stores implement ``pydock.store.protocol.Store``: every member, with the protocol's signature.

``runtime_checkable`` only looks at names; a store whose ``add_path`` lost a parameter
or renamed one would still pass it.  These tests compare each method's parameters
(name, kind, default) and resolved annotations with the protocol's, and check the
comparison itself on a store that is deliberately wrong.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Iterable
from pathlib import Path

import pytest
from pydock.store.compute import ComputeOnlyStore
from pydock.store.local import LocalStore
from pydock.store.paths import StoreDir
from pydock.store.protocol import Store

PROTOCOL_METHODS = sorted(
    name for name, member in vars(Store).items() if inspect.isfunction(member) and not name.startswith("_")
)


def signature_mismatches(cls: type, protocol: type = Store) -> list[str]:
    """What ``cls`` gets wrong about ``protocol``'s methods, one line per difference."""
    problems: list[str] = []
    for name in PROTOCOL_METHODS:
        impl = getattr(cls, name, None)
        if impl is None or not callable(impl):
            problems.append(f"{name}: missing")
            continue
        want_sig, got_sig = inspect.signature(getattr(protocol, name)), inspect.signature(impl)
        want_hints = typing.get_type_hints(getattr(protocol, name))
        got_hints = typing.get_type_hints(impl)
        want = [(p.name, p.kind, p.default, want_hints.get(p.name)) for p in want_sig.parameters.values()]
        got = [(p.name, p.kind, p.default, got_hints.get(p.name)) for p in got_sig.parameters.values()]
        if want != got:
            problems.append(f"{name}: parameters {got} differ from the protocol's {want}")
        if want_hints.get("return") != got_hints.get("return"):
            problems.append(f"{name}: returns {got_hints.get('return')}, not {want_hints.get('return')}")
    return problems


def test_the_protocol_names_what_the_evaluator_uses() -> None:
    assert set(PROTOCOL_METHODS) >= {
        "add_text", "add_path", "add_derivation", "read_derivation",
        "query_references", "query_closure", "is_valid", "ensure_valid", "real_path",
    }  # fmt: skip


@pytest.mark.parametrize("cls", [ComputeOnlyStore, LocalStore])
def test_store_classes_match_the_protocol_signatures(cls: type) -> None:
    assert signature_mismatches(cls) == []


def test_instances_satisfy_the_protocol(tmp_path: Path) -> None:
    local = LocalStore(str(tmp_path / "root"))
    try:
        for store in (ComputeOnlyStore(), local):
            assert isinstance(store, Store)
            assert isinstance(store.store_dir, StoreDir)
    finally:
        local.close()


class _WrongStore(ComputeOnlyStore):
    """A store that drifted: a renamed parameter and a different return type."""

    def add_text(self, name: str, data: str | bytes, references: Iterable[str]) -> str:  # type: ignore[override]
        return super().add_text(name, data, references)

    def query_closure(self, paths: Iterable[str]) -> list[str]:  # type: ignore[override]
        return sorted(super().query_closure(paths))


def test_the_check_catches_drift() -> None:
    problems = signature_mismatches(_WrongStore)
    assert [p.split(":")[0] for p in problems] == ["add_text", "query_closure"]
    assert "is_valid: missing" in signature_mismatches(object)
