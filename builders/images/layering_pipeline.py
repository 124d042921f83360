"""Custom ``layeringPipeline``s: nixpkgs' ``flatten_references_graph`` language, reimplemented.

A pipeline is a JSON list of steps ``[name, *args]`` applied in turn to a directed
graph of store paths; the final value — a graph, or lists/dicts nesting graphs — is
flattened into layers, one per graph, each listing its vertex names in vertex order.

nixpkgs runs this on ``python-igraph``; the small :class:`Graph` below keeps the
properties the output depends on: vertices start ordered by NAR size (stable in graph
order), every subgraph keeps its vertices' relative order, a union appends, and a
split removes the edges pointing at the split paths from the pieces it returns.

Steps: ``popularity_contest``, ``limit_layers N``, ``split_every N``,
``split_paths [spec…]`` (a spec is a path or ``{"children_of": path-or-list}``),
``subcomponent_in [paths]``, ``subcomponent_out [paths]``, ``remove_paths paths``,
``over key step``, ``map step``, ``pipe [steps]``, ``flatten``, ``reverse``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydock.builders.images.layering import LayeringError, Node, popularity_contest, reach

__all__ = ["Graph", "run_pipeline"]

_FAKE_ROOT = "__root__"


@dataclass(frozen=True)
class Graph:
    """Vertices ``names`` (index = position) and, per vertex, its successors' indices in ascending order."""

    names: tuple[str, ...]
    succ: tuple[tuple[int, ...], ...]

    @classmethod
    def from_references(cls, graph: Sequence[Node]) -> Graph:
        """Vertices sorted by ``narSize`` (stable); an edge for every non-self reference."""
        nodes = sorted(graph, key=lambda n: n["narSize"])
        index: dict[str, int] = {}
        for i, n in enumerate(nodes):
            index.setdefault(n["path"], i)
        try:
            succ = tuple(tuple(sorted({index[r] for r in n["references"] if r != n["path"]})) for n in nodes)
        except KeyError as e:
            raise LayeringError(f"reference {e.args[0]} is not a node of the references graph") from None
        return cls(tuple(n["path"] for n in nodes), succ)

    def find(self, name: str) -> int | None:
        """The first vertex called ``name``."""
        try:
            return self.names.index(name)
        except ValueError:
            return None

    def predecessors(self) -> list[list[int]]:
        pred: list[list[int]] = [[] for _ in self.names]
        for v, ss in enumerate(self.succ):
            for s in ss:
                pred[s].append(v)
        return pred

    def reach(self, starts: Iterable[int], mode: str = "out") -> set[int]:
        """Vertices reachable from ``starts`` (included) along (``out``) or against (``in``) the edges."""
        adj: Sequence[Sequence[int]] = self.succ if mode == "out" else self.predecessors()
        return reach(starts, adj.__getitem__)

    def induced(self, keep: Iterable[int]) -> Graph:
        """The subgraph on ``keep``, vertices in their original order."""
        order = sorted(set(keep))
        new = {old: i for i, old in enumerate(order)}
        return Graph(
            tuple(self.names[v] for v in order),
            tuple(tuple(new[s] for s in self.succ[v] if s in new) for v in order),
        )

    def without(self, drop: Iterable[int]) -> Graph:
        gone = set(drop)
        return self.induced(v for v in range(len(self.names)) if v not in gone)

    def __add__(self, other: Graph) -> Graph:
        """Disjoint union: ``other``'s vertices after ours."""
        return Graph.union([self, other])

    @staticmethod
    def union(graphs: Sequence[Graph]) -> Graph:
        """Disjoint union of ``graphs`` in order, built at once (adding them pairwise is quadratic)."""
        names: list[str] = []
        succ: list[tuple[int, ...]] = []
        for g in graphs:
            shift = len(names)
            names.extend(g.names)
            succ.extend(tuple(s + shift for s in ss) if shift and ss else ss for ss in g.succ)
        return Graph(tuple(names), tuple(succ))


def _as_list(x: Any) -> list[Any]:
    return x if isinstance(x, list) else [x]


def _indices(graph: Graph, names: Iterable[str]) -> list[int]:
    return [i for i in (graph.find(n) for n in names) if i is not None]


def split_paths(specs: Sequence[Any], graph: Graph) -> dict[str, Graph]:
    """``main``: split paths and what only they need; ``common``: what they share with the rest; ``rest``."""
    targets: list[int] = []
    for spec in specs:
        if isinstance(spec, dict):
            if "children_of" not in spec:
                raise LayeringError('Unexpected split path spec: dict with invalid keys.Valid: ["children_of"]')
            for parent in _indices(graph, _as_list(spec["children_of"])):
                targets.extend(graph.succ[parent])
        else:
            targets.extend(_indices(graph, [spec]))
    if not targets:
        return {"rest": graph}

    pred = graph.predecessors()
    roots = [v for v in range(len(graph.names)) if not pred[v]]
    added = len(roots) != 1  # one entry vertex makes "reachable from the rest" a single search
    if added:
        work, root = Graph(graph.names + (_FAKE_ROOT,), graph.succ + (tuple(roots),)), len(graph.names)
    else:
        work, root = graph, roots[0]
    if root in targets:
        return {"main": graph}

    split_off = work.reach(targets)
    cut = set(targets)
    work = Graph(work.names, tuple(tuple(s for s in ss if s not in cut) for ss in work.succ))
    rest_with_common = work.reach([root])
    common = split_off & rest_with_common
    parts = {
        "main": work.induced(split_off - common),
        "common": work.induced(common),
        "rest": work.induced(rest_with_common - common),
    }
    if added:
        parts = {k: _drop_name(g, _FAKE_ROOT) for k, g in parts.items()}
    return {k: g for k, g in parts.items() if g.names}


def _drop_name(graph: Graph, name: str) -> Graph:
    i = graph.find(name)
    return graph if i is None else graph.without([i])


def subcomponent(mode: str, paths: Sequence[str], graph: Graph) -> dict[str, Graph]:
    """``main``: the paths and everything they reach (``out``) or that reaches them (``in``); ``rest``."""
    main = graph.reach(_indices(graph, paths), mode)
    return {"main": graph.induced(main), "rest": graph.without(main)}


def remove_paths(paths: str | Sequence[str], graph: Graph) -> Graph:
    return graph.without(_indices(graph, [paths] if isinstance(paths, str) else paths))


def split_every(count: int, graph: Graph) -> list[Graph]:
    n = len(graph.names)
    return [graph.induced(range(i, min(i + count, n))) for i in range(0, n, count)]


def limit_layers(max_count: int, graphs: Iterable[Graph]) -> list[Graph]:
    """The first ``max_count-1`` graphs, then the union of the others.

    nixpkgs' implementation fails when nothing is left to merge (fewer graphs than
    ``max_count``); so does this one, rather than produce layers nixpkgs cannot.
    """
    if not max_count > 0:
        raise LayeringError("max count needs to > 0")
    items = list(graphs)
    head, tail = items[: max_count - 1], items[max_count - 1 :]
    if not tail:
        raise LayeringError(
            f"limit_layers {max_count}: only {len(items)} graphs to limit; nixpkgs' flatten_references_graph "
            "fails here too (reduce() of empty iterable)"
        )
    return [*head, Graph.union(tail)]


def flatten(value: Any) -> Iterator[Any]:
    """Leaves of nested lists, tuples and dicts (dict values in order)."""
    items = value.values() if isinstance(value, Mapping) else value
    if isinstance(items, Graph):
        raise LayeringError("'Graph' object is not iterable: the pipeline must end in a list or dict of graphs")
    for x in items:
        if isinstance(x, Graph | str | bytes) or not isinstance(x, Iterable):
            yield x
        else:
            yield from flatten(x)


def _popularity(graph: Graph) -> list[Graph]:
    nodes = [
        {"path": n, "references": [graph.names[s] for s in ss]} for n, ss in zip(graph.names, graph.succ, strict=True)
    ]
    return [Graph((p,), ((),)) for p in popularity_contest(nodes)]


def _over(key: str, step: Callable[[Any], Any], value: Mapping[str, Any]) -> dict[str, Any]:
    if key not in value:
        raise LayeringError(f"over {key!r}: no such key in {sorted(value)}")
    return {**value, key: step(value[key])}


_Step = Callable[[Any], Any]


def _step(call: Sequence[Any]) -> _Step:
    """A pipeline step with its arguments applied, awaiting the value."""
    if not isinstance(call, list) or not call:
        raise LayeringError(f"pipeline step must be a non-empty list, got {call!r}")
    name, *args = call

    def arity(n: int) -> None:
        if len(args) != n:
            raise LayeringError(f"pipeline step {name!r} takes {n} argument(s), got {len(args)}")

    if name == "popularity_contest":
        arity(0)
        return lambda v: _popularity(_graph(name, v))
    if name in ("flatten", "reverse"):
        arity(0)
        return (lambda v: list(flatten(v))) if name == "flatten" else (lambda v: list(reversed(list(v))))
    if name == "pipe":
        arity(1)
        steps = [_step(c) for c in args[0]]
        return lambda v: _run(steps, v)
    if name == "over":
        arity(2)
        key, inner = args[0], _step(args[1])
        return lambda v: _over(key, inner, v)
    if name == "map":
        arity(1)
        inner = _step(args[0])
        return lambda v: [inner(x) for x in v]
    simple: dict[str, Callable[[Any, Any], Any]] = {
        "limit_layers": limit_layers,
        "split_every": split_every,
        "split_paths": split_paths,
        "subcomponent_in": lambda a, g: subcomponent("in", a, g),
        "subcomponent_out": lambda a, g: subcomponent("out", a, g),
        "remove_paths": remove_paths,
    }
    if name not in simple:
        raise LayeringError(f"unknown pipeline step {name!r}")
    arity(1)
    arg, fn = args[0], simple[name]
    if name == "limit_layers":
        return lambda v: fn(arg, v)
    return lambda v: fn(arg, _graph(name, v))


def _graph(step: str, value: Any) -> Graph:
    if not isinstance(value, Graph):
        raise LayeringError(f"pipeline step {step!r} needs a graph, got {type(value).__name__}")
    return value


def _run(steps: Sequence[_Step], value: Any) -> Any:
    for step in steps:
        value = step(value)
    return value


def run_pipeline(
    graph: Sequence[Node], pipeline: Sequence[Any], exclude_paths: Iterable[str] | None = None
) -> list[list[str]]:
    """Layers from ``pipeline`` applied to the references graph, excluded paths (and edges to them) removed first."""
    if exclude_paths is not None:
        excluded = frozenset(exclude_paths)
        graph = [
            {**n, "references": [r for r in n["references"] if r not in excluded]}
            for n in graph
            if n["path"] not in excluded
        ]
    steps = [_step(c) for c in pipeline]
    result = _run(steps, Graph.from_references(graph))
    layers = []
    for leaf in flatten(result):
        if not isinstance(leaf, Graph):
            raise LayeringError(f"pipeline produced {leaf!r} where a graph was expected")
        layers.append(list(leaf.names))
    return layers
