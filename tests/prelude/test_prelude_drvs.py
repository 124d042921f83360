"""The prelude's builders evaluate to the same derivations under pydock and real Nix.

``drv_cases.nix`` calls every builder; each derivation is summarised by its ``drvPath`` and
output paths, so equal summaries mean pydock wrote byte-identical ``.drv`` files (the path is
a hash of the file).  Real Nix evaluates in read-write mode against a private store, which it
needs for derivations that depend on other derivations' ``drvPath``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from prelude_support import eval_json

CASES = Path(__file__).with_name("drv_cases.nix")

SUMMARY = f"""
let
  cases = import {CASES} {{ }};
  summary = d: {{
    inherit (d) name drvPath;
    outputs = builtins.listToAttrs (map (o: {{ name = o; value = d.${{o}}.outPath; }}) (d.outputs or [ "out" ]));
  }};
in {{
  drvs = builtins.mapAttrs (_: summary) cases.drvs;
  inherit (cases) values;
}}
"""

_RESULTS: dict[str, dict] = {}


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    if not _RESULTS:
        _RESULTS["nix"] = eval_json("nix", SUMMARY, prelude=True, store_root=tmp_path_factory.mktemp("nix-store"))
        _RESULTS["pydock"] = eval_json("pydock", SUMMARY, prelude=True)
    return _RESULTS


def _names(kind: str) -> list[str]:
    import re

    text = CASES.read_text()
    section = text.split(f"  {kind} = {{", 1)[1].split("\n  };", 1)[0]
    names = re.findall(r"^    (?:inherit (.*);|([A-Za-z][\w']*) =)", section, re.M)
    return [n for group, single in names for n in (group.split() if group else [single])]


@pytest.mark.parametrize("name", _names("drvs"))
def test_same_derivation(results: dict[str, dict], name: str) -> None:
    assert results["pydock"]["drvs"][name] == results["nix"]["drvs"][name]


@pytest.mark.parametrize("name", _names("values"))
def test_same_value(results: dict[str, dict], name: str) -> None:
    assert results["pydock"]["values"][name] == results["nix"]["values"][name]


@pytest.mark.parametrize("tool", ["nix", "pydock"])
def test_case_lists_complete(results: dict[str, dict], tool: str) -> None:
    assert sorted(_names("drvs")) == sorted(results[tool]["drvs"])
    assert sorted(_names("values")) == sorted(results[tool]["values"])


@pytest.mark.parametrize("tool", ["nix", "pydock"])
def test_clean_source_filters_like_nixpkgs(results: dict[str, dict], tool: str) -> None:
    """drv_cases.nix states nixpkgs' expected result itself (true); each evaluator must reach it."""
    assert results[tool]["values"]["cleanSource"] is True
