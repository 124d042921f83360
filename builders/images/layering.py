"""Which store paths go into which image layer: the algorithms of nixpkgs' dockerTools.

The input is a references graph as Nix's ``exportReferencesGraph`` writes it: a list of
nodes ``{"path", "narSize", "references"}`` in Nix's order (a node may reference
itself).  The output is what ``streamLayeredImage``'s conf calls ``store_layers``.

* :func:`auto_layer` — the current default (``auto-layer.py``): the largest paths
  become layer roots one by one, each taking along the dependencies nothing else
  needs; dependencies shared by several roots are grouped by the set of roots using
  them; this stops before the layer limit is exceeded.  Layers are ordered by closure
  size, ties as a ``PYTHONHASHSEED=0`` CPython set orders them (see :mod:`cpython_order`).
* :func:`references_by_popularity` — ``referencesByPopularity`` (``closure-graph.py``):
  paths ordered by how often they occur in the unfolded dependency tree.
* :func:`popularity_layers` — the pre-2025 default built on it: the ``n-1`` most popular
  paths get a layer each, the rest share the last one.
* :func:`flatten_references_graph` — a custom ``layeringPipeline`` (see :mod:`layering_pipeline`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from pydock.builders.errors import BuildError
from pydock.builders.images.cpython_order import frozenset_hash, set_order, str_hash

V = TypeVar("V")  # a vertex of a graph walked by reach()

__all__ = [
    "LayeringError",
    "auto_layer",
    "available_layers",
    "flatten_references_graph",
    "graph_from_maps",
    "popularity_contest",
    "popularity_layers",
    "reach",
    "references_by_popularity",
]

Node = Mapping[str, Any]


class LayeringError(BuildError, ValueError):
    """A layering request nixpkgs would refuse (its build fails with a similar message)."""


def graph_from_maps(references: Mapping[str, Iterable[str]], nar_sizes: Mapping[str, int]) -> list[dict[str, Any]]:
    """Nodes in ``references``' order, for callers that hold the graph as two mappings."""
    return [{"path": p, "narSize": nar_sizes[p], "references": list(refs)} for p, refs in references.items()]


def available_layers(max_layers: int, base_layers: int = 0) -> int:
    """``maxLayers`` minus the customisation layer and the base image's layers, checked as nixpkgs does."""
    used = 1 + base_layers
    if not used < max_layers:
        raise LayeringError(
            f"Error: usedLayers {used} layers to store 'fromImage' and 'extraCommands', but only "
            f"maxLayers={max_layers} were allowed. At least 1 layer is required to store contents."
        )
    return max_layers - used


# -- auto-layer ------------------------------------------------------------------------------


def reach(starts: Iterable[V], edges: Callable[[V], Iterable[V]]) -> set[V]:
    """Everything reachable from ``starts`` along ``edges``, the starts included."""
    seen: set[V] = set()
    todo = list(starts)
    while todo:
        x = todo.pop()
        if x not in seen:
            seen.add(x)
            todo.extend(edges(x))
    return seen


def _path_key(path: str) -> tuple[str, str]:
    """``(name, /nix/store/hash)``: sort by package name, then by hash."""
    head, name = path.split("-", 1)
    return name, head


def auto_layer(graph: Sequence[Node], exclude_paths: Collection[str], layer_limit: int) -> list[list[str]]:
    """``auto-layer.py graph exclude layer_limit``: at most ``layer_limit`` layers (counting excluded-only ones)."""
    nodes = {n["path"]: n for n in graph}
    refs = {p: list(n["references"]) for p, n in nodes.items()}
    users: dict[str, set[str]] = {p: set() for p in nodes}
    for user, rs in refs.items():
        for r in rs:
            users[r].add(user)

    split: dict[str, frozenset[str]] = {p: frozenset() for p in nodes}
    for node in reversed(sorted(graph, key=lambda n: n["narSize"])):
        primary = node["path"]
        deps = reach([primary], refs.__getitem__) - {primary}
        dependents = reach([primary], users.__getitem__) - {primary}
        candidate = split.copy()
        candidate[primary] = frozenset({primary})
        for d in deps:
            ids = candidate[d] - dependents
            if not ids & deps:
                ids = ids | {primary}
            candidate[d] = ids
        if len(set(candidate.values())) > layer_limit:
            break
        split = candidate

    members: dict[frozenset[str], list[str]] = defaultdict(list)
    for path, layer_id in split.items():
        members[layer_id].append(path)
    hashes: dict[str, int] = {}
    id_hashes: dict[frozenset[str], int] = {}

    def id_hash(layer_id: frozenset[str]) -> int:
        if layer_id not in id_hashes:
            for p in layer_id:
                if p not in hashes:
                    hashes[p] = str_hash(p)
            id_hashes[layer_id] = frozenset_hash(hashes[p] for p in layer_id)
        return id_hashes[layer_id]

    layers = []
    for layer_id in set_order(split.values(), id_hash):
        paths = sorted(members[layer_id], key=_path_key)
        closure_size = sum(nodes[p]["narSize"] for p in reach(paths, refs.__getitem__))
        layers.append((closure_size, paths))
    layers.sort(key=lambda layer: layer[0])

    excluded = set(exclude_paths)
    return [[p for p in paths if p not in excluded] for _, paths in layers if set(paths) - excluded]


# -- popularity ------------------------------------------------------------------------------


def _package_name(path: str) -> str:
    """``/nix/store/<hash>-hello-2.1`` → ``hello-2.1-/nix/store/<hash>``: the hash moved last."""
    first, *rest = path.split("-")
    return "-".join([*rest, first])


def popularity_contest(graph: Sequence[Node]) -> list[str]:
    """Paths by popularity in the fully unfolded dependency tree, most popular first.

    A path's popularity sums, over every occurrence as a child, 1 for itself plus, for
    every path below that occurrence, its popularity within that subtree plus 1.  Equal
    popularity sorts by :func:`_package_name`.  Subtree results are shared, so the cost
    is one dict per distinct path, not one per occurrence.
    """
    lookup: dict[str, list[str]] = {}
    for n in graph:
        path = n["path"]
        lookup[path] = list(dict.fromkeys(r for r in n["references"] if r != path))
    referenced = {r for n in graph for r in n["references"] if r != n["path"]}
    roots = list(dict.fromkeys(n["path"] for n in graph if n["path"] not in referenced))

    # path -> for every path below it, (its popularity within the forest of the path's
    # children) + 1: what one occurrence of the path adds to each of them one level up.
    below: dict[str, dict[str, int]] = {}

    def contest(children: Sequence[str]) -> dict[str, int]:
        if not children:
            return {}
        # Start from a copy of the largest child's table (a copy runs in C) and add the rest.
        largest = max(children, key=lambda c: len(below[c]))
        pop = dict(below[largest])
        get = pop.get
        for child in children:
            pop[child] = get(child, 0) + 1
            if child is not largest:
                for sub, count in below[child].items():
                    pop[sub] = get(sub, 0) + count
        return pop

    for root in roots:  # post-order without recursion: dependency trees can be deep
        stack = [(root, False)]
        while stack:
            path, expanded = stack.pop()
            if path in below:
                continue
            if expanded:
                below[path] = {sub: count + 1 for sub, count in contest(lookup[path]).items()}
                continue
            stack.append((path, True))
            stack.extend((c, False) for c in lookup[path] if c not in below)
    totals = contest(roots)

    groups: dict[int, list[str]] = defaultdict(list)
    for path, count in totals.items():
        groups[count].append(path)
    ordered = [p for count in sorted(groups, reverse=True) for p in sorted(groups[count], key=_package_name)]

    # Paths never reached from a root (only possible with reference cycles) follow, in
    # the order of the Python set nixpkgs collects them in.
    # Only computed when some path is missing: the set order costs a SipHash per path.
    seen = set(ordered)
    if (lookup.keys() | referenced) - seen:
        everything = sorted([n["path"] for n in graph] + [r for n in graph for r in n["references"]])
        ordered += [p for p in set_order(everything, str_hash) if p not in seen]
    return ordered


def references_by_popularity(graph: Sequence[Node]) -> list[str]:
    """``referencesByPopularity``: the lines of its output file."""
    return popularity_contest(graph)


def popularity_layers(graph: Sequence[Node], exclude_paths: Iterable[str], layer_limit: int) -> list[list[str]]:
    """The pre-auto-layer default: popularity order minus excluded paths, ``layer_limit-1`` single layers, one rest.

    nixpkgs filtered with ``grep -v <path>``, so a line *containing* an excluded path goes too.
    """
    excluded = list(exclude_paths)
    paths = [p for p in references_by_popularity(graph) if not any(x in p for x in excluded)]
    head = max(layer_limit - 1, 0)
    layers = [[p] for p in paths[:head]] + [paths[head:]]
    return [layer for layer in layers if layer]


def flatten_references_graph(
    graph: Sequence[Node], pipeline: Sequence[Any], exclude_paths: Iterable[str] | None = None
) -> list[list[str]]:
    """The layers a custom ``layeringPipeline`` produces (``flatten_references_graph``)."""
    from pydock.builders.images.layering_pipeline import run_pipeline

    return run_pipeline(graph, pipeline, exclude_paths)
