"""``splitVersion`` / ``compareVersions`` / ``parseDrvName`` against real Nix 2.8."""

from __future__ import annotations

import itertools

from nixdiff import Nix, check_errors, check_same, nix_str
from pydock.evaluator.builtins.versions import prim_compare_versions, prim_parse_drv_name, prim_split_version
from pydock.evaluator.values import CStr

VERSIONS = [
    "",
    "1",
    "1.0",
    "1.0.0",
    "2.3a",
    "2.3.1",
    "2.3pre1",
    "2.3-pre1",
    "2.3",
    "1.2.3-rc1",
    "0.12pre12876",
    "1.10",
    "1.9",
    "1.01",
    "1..2",
    "-1.-",
    "1.2a3b",
    "2147483647",
    "2147483648",
    "10000000000",
    "99999999999999999999",
    "abc",
    "pre",
    "1pre",
    "1.a",
    "1.b",
    "2022-01-01",
    "unstable-2022-01-01",
    "1.0alpha",
    "1.0beta",
    "é1.2",
]

DRV_NAMES = [
    "nix-0.12pre12876",
    "apache-httpd-2.0.48",
    "hello",
    "hello-",
    "hello-world",
    "hello-world-1.0",
    "foo-bar-2.3-pre",
    "-1.0",
    "a-1",
    "a-.1",
    "a--1",
    "gtk+-2.0",
    "python3.10-requests-2.28.1",
    "foo-é1",
    "",
    "x-Y-1",
]


def test_split_version(nix: Nix) -> None:
    check_same(nix, [(f"builtins.splitVersion {nix_str(v)}", lambda v=v: prim_split_version(v)) for v in VERSIONS])


def test_compare_versions_pairs(nix: Nix) -> None:
    pairs = list(itertools.combinations(VERSIONS, 2))
    check_same(
        nix,
        [
            (f"builtins.compareVersions {nix_str(a)} {nix_str(b)}", lambda a=a, b=b: prim_compare_versions(a, b))
            for a, b in pairs + [(b, a) for a, b in pairs] + [(v, v) for v in VERSIONS]
        ],
    )


def test_parse_drv_name(nix: Nix) -> None:
    check_same(nix, [(f"builtins.parseDrvName {nix_str(n)}", lambda n=n: prim_parse_drv_name(n)) for n in DRV_NAMES])


def test_argument_errors(nix: Nix) -> None:
    check_errors(
        nix,
        [
            ("builtins.splitVersion 1", lambda: prim_split_version(1)),
            ('builtins.compareVersions "1" null', lambda: prim_compare_versions("1", None)),
            ("builtins.parseDrvName [ ]", lambda: prim_parse_drv_name([])),
        ],
    )


def test_context_is_refused() -> None:
    s = CStr("foo-1.0", frozenset({"/nix/store/aaa-a"}))
    for fn in (lambda: prim_split_version(s), lambda: prim_parse_drv_name(s)):
        try:
            fn()
        except Exception as e:  # noqa: BLE001
            assert "is not allowed to refer to a store path" in str(e)
        else:
            raise AssertionError("context accepted")
