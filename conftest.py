"""Suite-wide rules for every test under this checkout (``tests/`` and ``nix_compat_tests/``).

1. **No silent skips in CI.**  Under ``CI=true`` a skipped test is turned into a failure,
   whatever raised the skip (``pytest.skip`` in a test or fixture, a ``skip``/``skipif``
   marker, ``importorskip``, a module-level skip).  A green CI run therefore means every test
   ran: a missing oracle, a kernel without namespaces or a builder that cannot start shows up
   as a red test, never as a row of ``s``.  Outside CI skips stay skips, so a developer
   without Nix or skopeo can still run the rest.  ``xfail`` is left alone (it is not a skip).

2. **The allow-list.**  A test that truly cannot run on CI's machine is listed in
   :data:`CI_SKIP_ALLOWLIST` below: a glob over pytest node ids (``fnmatch``) mapped to the
   reason.  Keep it short; every entry needs a reason a reviewer can check, and an entry is
   the only way to let a skip through under CI.

3. **Test tiers.**  Markers registered in ``pyproject.toml`` say what a test needs and costs:
   ``nix_oracle`` (real Nix 2.8 is the oracle), ``needs_root`` (root or user namespaces: pydock's
   build sandbox, chroots), ``image_clients`` (skopeo, umoci, podman or docker-registry) and
   ``slow`` (an image build, a binary cache, a whole corpus).  :data:`TIERS_BY_PATH` and
   :data:`TIERS_BY_FIXTURE` below apply them to whole folders, files, or every test using a
   fixture, where that is true of each test there; single tests carry their own marker.
   ``pytest -m "not slow and not nix_oracle"`` is the fast tier; CI runs everything.

4. **The pydock under test is this checkout.**  The suite refuses to run against a ``pydock``
   imported from anywhere else (another worktree, an installed copy): the in-process tests
   and every ``python -m pydock.cli`` they start would otherwise test some other code.
"""

from __future__ import annotations

import fnmatch
import os
import sys
from pathlib import Path

import pytest

from nix_compat_tests.processes import pydock_location

REPO = Path(__file__).resolve().parent

#: node-id glob -> why it may skip under CI=true.  Keep it short: each entry is an oracle CI cannot get.
CI_SKIP_ALLOWLIST: dict[str, str] = {
    "tests/store/test_store_blake3.py::test_random_inputs_against_b3sum": (
        "b3sum (Debian) is a second BLAKE3 oracle beside the specification's test vectors, which"
        " always run; .ci/test.sh installs it when Debian's mirror answers (CI's machine has"
        " no b3sum in its package cache, and a CI run with b3sum in the required apt line failed"
        " when the mirror was unreachable)"
    ),
}

assert all(reason.strip() for reason in CI_SKIP_ALLOWLIST.values()), "every allow-list entry needs a reason"


def _ci() -> bool:
    return os.environ.get("CI") == "true"


def _allowed(nodeid: str) -> bool:
    return any(fnmatch.fnmatchcase(nodeid, pattern) for pattern in CI_SKIP_ALLOWLIST)


def _skip_reason(longrepr: object) -> str:
    """The message of a skip report (pytest stores it as ``(file, line, "Skipped: why")``)."""
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return f"{longrepr[2]} ({longrepr[0]}:{longrepr[1]})"
    return str(longrepr)


def _as_failure(report: pytest.TestReport | pytest.CollectReport) -> None:
    report.longrepr = (
        f"skipped under CI=true, which counts as a failure: {_skip_reason(report.longrepr)}\n"
        "(a test that truly cannot run on CI's machine goes into CI_SKIP_ALLOWLIST in the repo's conftest.py)"
    )
    report.outcome = "failed"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> object:
    outcome = yield
    report = outcome.get_result()
    if _ci() and report.skipped and not hasattr(report, "wasxfail") and not _allowed(report.nodeid):
        _as_failure(report)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> object:
    outcome = yield
    report = outcome.get_result()
    if _ci() and report.skipped and not _allowed(report.nodeid):
        _as_failure(report)


#: Path prefix (of the node id) -> the tiers of every test under it.
TIERS_BY_PATH: dict[str, tuple[str, ...]] = {
    "nix_compat_tests/": ("nix_oracle",),
    "nix_compat_tests/test_eval_corpus.py": ("slow",),
    "nix_compat_tests/test_derivation_corpus.py": ("slow",),
    "nix_compat_tests/test_docker_tools.py": ("slow", "needs_root", "image_clients"),
    "tests/prelude/": ("nix_oracle",),
    "tests/prelude/test_prelude_build.py": ("slow", "needs_root"),
    "tests/docker/": ("slow", "needs_root"),
    "tests/docker/test_podman_client.py": ("image_clients",),
    "tests/builders/registry/test_pull_image.py": ("slow", "needs_root", "image_clients"),
    "tests/substituters/test_substitute_": ("nix_oracle", "slow"),
    "tests/packages/test_index_build.py": ("slow", "needs_root"),
    "tests/packages/test_index_image.py": ("slow", "needs_root", "image_clients"),
    "tests/packages/test_index_from_cache.py": ("slow", "needs_root", "image_clients"),
}

#: Fixture -> the tiers of every test that uses it (directly or through another fixture).
TIERS_BY_FIXTURE: dict[str, tuple[str, ...]] = {
    "nix": ("nix_oracle",),
    "nix_bins": ("nix_oracle",),
    "nix_eval": ("nix_oracle",),
    "nix_store": ("nix_oracle",),
    "nix_view": ("nix_oracle",),
    "oracle": ("nix_oracle",),
    "fake": ("nix_oracle",),  # the package-index tests' fake nixpkgs, built and listed by real Nix
    "binary_caches": ("nix_oracle", "slow"),  # real caches made by nix-build and nix copy
    "sandbox": ("needs_root",),
    "oci_tools": ("image_clients",),
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        path = item.nodeid.split("::", 1)[0]
        tiers = {t for prefix, ts in TIERS_BY_PATH.items() if path.startswith(prefix) for t in ts}
        tiers.update(t for name in getattr(item, "fixturenames", ()) for t in TIERS_BY_FIXTURE.get(name, ()))
        for tier in sorted(tiers):
            item.add_marker(tier)


def require_this_checkout(where: Path, what: str) -> None:
    if not where.is_relative_to(REPO):
        raise pytest.UsageError(
            f"{what} is {where}, not this checkout's ({REPO}); "
            f"install the checkout (pip install -e {REPO}) in the environment running pytest"
        )


def pytest_configure(config: pytest.Config) -> None:
    import pydock

    require_this_checkout(Path(pydock.__file__).resolve(), "the pydock imported by the tests")
    # Most tests run `sys.executable -m pydock.cli` in a child process: that one must match too.
    require_this_checkout(pydock_location(sys.executable), f"the pydock {sys.executable} runs")
    # The warm evaluation server (pydock/server.py) stays off unless a test turns it on for
    # itself (tests/test_server.py runs its cases both ways), so no test leaves one running.
    os.environ.setdefault("PYDOCK_SERVER", "0")
