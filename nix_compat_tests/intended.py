"""The record of intended differences from Nix 2.8 (``intended_differences.toml``), loaded once
for the corpus test and the differences test."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

_FILE = Path(__file__).resolve().parent / "intended_differences.toml"
RECORD: dict[str, Any] = tomllib.loads(_FILE.read_text("utf-8"))
ADDITIONS: list[str] = sorted(a["name"] for a in RECORD["addition"])
# differences shown by an expression (checked by test_intended_differences.py)
EXPR_DIFFERENCES: list[dict[str, str]] = [d for d in RECORD["difference"] if "expr" in d]
# differences shown by a corpus case: corpus path -> entry (checked by test_eval_corpus.py)
CORPUS_DIFFERENCES: dict[str, dict[str, str]] = {d["corpus"]: d for d in RECORD["difference"] if "corpus" in d}
