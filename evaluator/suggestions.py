"""'Did you mean …?' hints, ranked like Nix's ``Suggestions`` (Levenshtein distance)."""

from __future__ import annotations

from collections.abc import Iterable


def levenshtein(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a):
        cur = [i + 1]
        for j, cb in enumerate(b):
            cur.append(min(prev[j + 1] + 1, cur[j] + 1, prev[j] + (ca != cb)))
        prev = cur
    return prev[-1]


def best_matches(candidates: Iterable[str], query: str, limit: int = 5, max_distance: int = 2) -> str | None:
    """The suggestion text Nix prints after "Did you mean", or None for no hint."""
    ranked = sorted((levenshtein(query, c), c) for c in set(candidates))
    picked = [c for d, c in ranked[:limit] if d <= max_distance]
    # Nix stops at the first suggestion that is too far (the list is sorted)
    if not picked:
        return None
    if len(picked) == 1:
        return picked[0]
    return "one of " + ", ".join(picked[:-1]) + " or " + picked[-1]
